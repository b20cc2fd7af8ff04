"""Helpers of the backup tests: reading a database file as it is on disk."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def rows(path: Path, sql: str) -> list[tuple]:
    """`sql` on the file, read-only (a backup under test is never changed by looking at it)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()
