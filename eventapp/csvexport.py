"""The one guard for every CSV we write for a spreadsheet (check-in, Q&A and report exports): a cell a spreadsheet
would run as a formula (CSV injection: a name typed at the desk, a question asked in the hall) is written as text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
