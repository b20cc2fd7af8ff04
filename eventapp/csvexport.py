"""The one guard for every CSV we write for a spreadsheet (check-in, Q&A and report exports): a cell a spreadsheet
would run as a formula (CSV injection: a name typed at the desk, a question asked in the hall) is written as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text starting like a formula gets a leading apostrophe; everything else is unchanged."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A `csv.writer` row, every cell guarded."""
    return [safe_cell(v) for v in values]


def safe_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A `csv.DictWriter` row, every cell guarded."""
    return {k: safe_cell(v) for k, v in row.items()}


def csv_text(
    columns: Sequence[str], rows: Iterable[Sequence[Any] | Mapping[str, Any]], *, ignore_extra: bool = False
) -> str:
    """A whole CSV file: the header, then every row (a list in the columns' order, or a dict by column name), every
    cell guarded. A dict's key that is not a column is a programming error unless `ignore_extra`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    by_name = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore" if ignore_extra else "raise")
    for row in rows:
        if isinstance(row, Mapping):
            by_name.writerow(safe_dict(row))
        else:
            writer.writerow(safe_row(row))
    return out.getvalue()
