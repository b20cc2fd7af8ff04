"""`eventapp import papers FILE`: which tool wrote the file, then its reader. Says what it recognised."""

from __future__ import annotations

from pathlib import Path

from . import cmt, easychair
from .columns import is_papers_header, papers_from_table
from .native_json import read_papers_json
from .records import InvalidFile, PapersFile, Problem
from .table import read_table


def _any_papers_header(header: list[str]) -> bool:
    return is_papers_header(header) or easychair.is_submission_header(header)


def read_papers(path: Path, *, authors: Path | None = None, accept: tuple[str, ...] = ()) -> PapersFile:
    """Accepted papers from the project's CSV, a CMT export (.xlsx, CSV, tab-separated, UTF-16) or EasyChair's
    submission.csv (+ author.csv). Raises InvalidFile with every problem; nothing is half-read."""
    if path.suffix.lower() == ".json":
        return read_papers_json(path, accept)
    table = read_table(path, _any_papers_header)
    if easychair.is_author_header(table.header):
        raise InvalidFile(
            [
                Problem(
                    table.file,
                    table.header_at,
                    "this is EasyChair's author.csv: import "
                    "submission.csv and give this file with --authors (or keep them side by side)",
                )
            ]
        )
    if easychair.looks_like_easychair(table, path):
        return easychair.read_easychair(table, path, authors, accept)
    papers, skipped = papers_from_table(table, accept)
    kind = "CMT papers export" if cmt.looks_like_cmt(table) else "papers CSV"
    place = "" if isinstance(table.header_at, str) else "line "  # a workbook's is Sheet!ROW
    where = f", header on {place}{table.header_at} below {table.title_rows} title rows" if table.title_rows else ""
    return PapersFile(f"{kind} ({table.description}{where})", papers, skipped, list(table.warnings), [str(path)])


def parse_papers_csv(path: Path) -> list:
    """Accepted papers: `id,title,authors` with authors as `Last, First; Last, First`, or one column per author
    (`author 1`, `author 2`, ...); e-mails optional (`emails` in the same order, or `author N email`). A `Status`
    or `decision` column keeps only the accepted ones."""
    return read_papers(path).papers
