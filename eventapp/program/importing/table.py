"""Files as tables: the bytes decoded (UTF-8 with or without BOM, UTF-16, Windows-1252), the delimiter found,
the header row found below any title rows, and each row tagged with where it is (`FILE:LINE` counting
physical lines, `Sheet!ROW` in a workbook)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from .records import MAX_FILE_BYTES, InvalidFile, Problem

HEADER_SEARCH_ROWS = 20  # exports put a title and blank rows above the header; never this many
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}

HeaderTest = Callable[[list[str]], bool]


@dataclass
class Table:
    file: str
    header: list[str]  # normalised column names ("paper id", "e mail")
    header_at: int | str  # where the header is: a line, or "Sheet!ROW"
    rows: list[tuple[int | str, dict[str, str]]]
    description: str  # "comma-separated UTF-8 text"
    warnings: list[str] = field(default_factory=list)
    title_rows: int = 0  # rows above the header (a title, blank rows)
    labels: dict[str, str] = field(default_factory=dict)  # normalised name -> as the file writes it

    def label(self, key: str | None) -> str:
        """A column as the file names it ('Author Emails'), for messages."""
        return self.labels.get(key or "", key or "")


def header_key(name: str) -> str:
    """'# First Name' -> 'first name'; 'E-mail' -> 'e mail'; 'submission #' -> 'submission #'."""
    key = name.strip().lower().lstrip("\ufeff").strip()
    key = re.sub(r"^#\s+", "", key)  # CMT's people export: '# First Name'
    return re.sub(r"[\s_\-]+", " ", key).strip()


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidFile([Problem(path.name, 1, f"the file is {size} bytes; the limit is {MAX_FILE_BYTES}")])
        return path.read_bytes()
    except OSError as exc:
        raise InvalidFile([Problem(str(path), 0, f"cannot read the file ({exc.strerror})")]) from exc


def decode(data: bytes, fname: str) -> tuple[str, str, list[str]]:
    """(text, encoding name, warnings). Excel saves 'Unicode Text' as UTF-16 and plain 'CSV' as Windows-1252."""
    if data.startswith(XLS_MAGIC):
        raise InvalidFile(
            [
                Problem(
                    fname, 1, "this is an old Excel .xls workbook: save it as .xlsx or as 'CSV UTF-8' and import that"
                )
            ]
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16", []
    if len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0:4:2] != b"\x00\x00":
        return data.decode("utf-16-le", errors="replace"), "UTF-16", []
    try:
        return data.decode("utf-8-sig"), "UTF-8", []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    warning = (
        f"{fname}: not UTF-8, read as Windows-1252 (Excel's plain 'CSV'): check accented and non-Latin "
        "names, or save as 'CSV UTF-8' (Excel) / 'Unicode (UTF-8)' (LibreOffice) and import again"
    )
    return text, "Windows-1252", [warning]


def _csv_rows(text: str, delimiter: str, fname: str) -> list[tuple[int, list[str]]]:
    """Rows with the physical line each starts on (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, previous = [], 0
    try:
        for row in reader:
            rows.append((previous + 1, row))
            previous = reader.line_num
    except csv.Error as exc:
        raise InvalidFile(
            [Problem(fname, previous + 1, f"not valid CSV ({exc}): save it again from the spreadsheet as 'CSV UTF-8'")]
        ) from exc
    return rows


def _find_header(rows: list[tuple[int | str, list[str]]], wanted: HeaderTest) -> int | None:
    for index, (_, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if wanted([header_key(c) for c in row]):
            return index
    return None


def _first_filled(rows: list[tuple[int | str, list[str]]]) -> int | None:
    """No header was recognised: the likeliest one, the first of the widest rows near the top (a title row
    above it has one cell), so that the message names the row the reader should look at."""
    widths = [(sum(bool(c.strip()) for c in row), -i) for i, (_, row) in enumerate(rows[:HEADER_SEARCH_ROWS])]
    best = max(widths, default=(0, 0))
    return -best[1] if best[0] else None


def _table(fname, rows, index, description, warnings, *, strict_width: bool) -> Table:
    header_at, raw = rows[index]
    header = [header_key(c) for c in raw]
    records, problems = [], []
    for loc, row in rows[index + 1 :]:
        if not any(c.strip() for c in row):
            continue
        extra = [c for c in row[len(header) :] if c.strip()]
        if strict_width and extra:
            problems.append(
                Problem(
                    fname,
                    loc,
                    f"{len(row)} fields but the header (line {header_at}) has "
                    f"{len(header)}: quote fields that hold the delimiter",
                )
            )
            continue
        records.append((loc, {header[i]: row[i].strip() for i in range(min(len(row), len(header))) if header[i]}))
    if problems:
        raise InvalidFile(problems)
    labels = {key: " ".join(cell.split()) for key, cell in zip(header, raw, strict=False) if key}
    return Table(fname, header, header_at, records, description, warnings, title_rows=index, labels=labels)


def read_table(path: Path, wanted: HeaderTest, *, display: str | None = None) -> Table:
    """A CSV / tab-separated text / .xlsx file as a table whose header is the first row `wanted` accepts (else
    the first filled row: the caller then says which columns are missing)."""
    fname = display or path.name
    data = read_bytes(path)
    if data.startswith(XLSX_MAGIC):
        return read_workbook(path, wanted, fname)
    text, encoding, warnings = decode(data, fname)
    sample = "\n".join(text.splitlines()[: HEADER_SEARCH_ROWS + 5])
    order = sorted(DELIMITERS, key=lambda d: -sample.count(d))
    for delimiter in order:
        try:
            rows = _csv_rows(text, delimiter, fname)
        except InvalidFile:
            continue
        index = _find_header(rows, wanted)
        if index is not None:
            description = f"{DELIMITERS[delimiter]}-separated {encoding} text"
            return _table(fname, rows, index, description, warnings, strict_width=True)
    rows = _csv_rows(text, order[0], fname)
    index = _first_filled(rows)
    if index is None:
        raise InvalidFile([Problem(fname, 1, "the file is empty; it needs a header row")])
    return _table(fname, rows, index, f"{DELIMITERS[order[0]]}-separated {encoding} text", warnings, strict_width=True)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_workbook(path: Path, wanted: HeaderTest, fname: str | None = None) -> Table:
    """An .xlsx workbook: the first sheet with a header `wanted` accepts (else the first sheet)."""
    fname = fname or path.name
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidFile(
            [
                Problem(
                    fname,
                    1,
                    f"not a readable .xlsx workbook ({exc}): open it in Excel and "
                    "save it again, or save the sheet as 'CSV UTF-8'",
                )
            ]
        ) from exc
    try:
        sheets = []
        for sheet in book.worksheets:
            rows = [
                (f"{sheet.title}!{n}", [_cell(v) for v in values])
                for n, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            sheets.append((sheet.title, rows))
    finally:
        book.close()
    for title, rows in sheets:
        index = _find_header(rows, wanted)
        if index is not None:
            return _table(fname, rows, index, f"Excel workbook, sheet {title!r}", [], strict_width=False)
    if not sheets or _first_filled(sheets[0][1]) is None:
        raise InvalidFile([Problem(fname, 1, "the workbook is empty; it needs a header row")])
    title, rows = sheets[0]
    return _table(fname, rows, _first_filled(rows), f"Excel workbook, sheet {title!r}", [], strict_width=False)


def pick(header: list[str], *names: str) -> str | None:
    return next((n for n in names if n in header), None)
