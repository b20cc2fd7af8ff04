"""Microsoft CMT: the papers export (Submissions -> Actions -> Export to Excel: a title row, a blank row, the
header on row 3) as .xlsx, or that sheet saved as CSV, tab-separated or Excel 'Unicode Text'. Read with the
column reader (`Paper ID`, `Paper Title`, `Authors` as `Name (Affiliation)*; ...`, `Author Emails` with `*` on the
contact's, `Status`); every other column (abstract, reviewers, subject areas, files, ...) is ignored."""

from __future__ import annotations

from .table import Table

CMT_MARKS = (
    "status",
    "author emails",
    "primary contact author email",
    "primary contact author name",
    "track name",
    "primary subject area",
)


def looks_like_cmt(table: Table) -> bool:
    return "paper id" in table.header and any(mark in table.header for mark in CMT_MARKS)
