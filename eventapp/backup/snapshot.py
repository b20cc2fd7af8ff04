"""A consistent copy of a live SQLite database through SQLite's online backup API, and what a copy holds.

Pure: plain sqlite3 on file paths, no Flask. The server's database is in WAL mode, where a backup step reads a
snapshot and holds no lock a writer waits for; the copy still goes in steps of STEP_PAGES with a short sleep between,
so it never keeps the disk or a checkpoint busy for long. A write between two steps makes SQLite restart the copy
from the first page (so the copy is always one consistent moment); under a door's non-stop scans that could repeat
for ever, so after MAX_RESTARTS the copy finishes in one step, which in WAL mode is still only a read snapshot.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

STEP_PAGES = 256  # 1 MB of 4 KB pages a step: about a millisecond of copying
STEP_SLEEP_S = 0.005
MAX_RESTARTS = 3

# What the organizer wants to see in a copy, by table: (label, table).
COUNTED = (("check-ins", "checkin"), ("questions", "qa_question"), ("timer commands", "timer_command"))


class NotADatabase(Exception):
    """The file is not a SQLite database, fails its integrity check, or is not an eventapp database."""


@dataclass(frozen=True)
class Contents:
    size_bytes: int
    counts: dict[str, int | None]  # label -> rows (None: the table is missing, an older schema)
    revision: str | None  # the alembic revision the database is at (None: not an eventapp database)

    def summary(self) -> str:
        counted = ", ".join(f"{'-' if n is None else n} {label}" for label, n in self.counts.items())
        return f"{self.size_bytes / 1024:.0f} KB, {counted}"


class _Restarting(Exception):
    pass


def online_copy(source: Path, dest: Path) -> Contents:
    """Copy the live database `source` to `dest` (replaced atomically; a failed copy leaves no file at `dest`).
    The copy is a plain single-file database (no -wal beside it) that passed `PRAGMA integrity_check`."""
    if not source.is_file():  # sqlite3.connect would make an empty database there
        raise FileNotFoundError(f"no database at {source}")
    partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    # Not read-only: a read-only connection cannot open a WAL database whose -shm is missing. It never writes.
    src = sqlite3.connect(source, isolation_level=None, check_same_thread=False)
    try:
        src.execute("PRAGMA busy_timeout=5000")
        try:
            out = sqlite3.connect(partial, isolation_level=None, check_same_thread=False)
        except sqlite3.OperationalError as exc:  # no such folder, no permission: the destination's fault
            raise OSError(f"cannot write {dest} ({exc})") from exc
        try:
            try:
                _copy(src, out)
                out.execute("PRAGMA journal_mode=DELETE")  # one plain file, whatever the source's mode
                _check_integrity(out, source)
            except sqlite3.DatabaseError as exc:  # "file is not a database", "disk image is malformed"
                raise NotADatabase(f"{source} is not a sound SQLite database ({exc}).") from exc
        finally:
            out.close()
        fsync(partial)
        os.replace(partial, dest)
        fsync(dest.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    return inspect(dest)


def _copy(src: sqlite3.Connection, out: sqlite3.Connection) -> None:
    seen = {"restarts": 0, "remaining": None}

    def progress(_status: int, remaining: int, _total: int) -> None:
        # Every step lowers what remains; anything else is SQLite starting over because a write landed.
        if seen["remaining"] is not None and remaining >= seen["remaining"]:
            seen["restarts"] += 1
            if seen["restarts"] > MAX_RESTARTS:
                raise _Restarting
        seen["remaining"] = remaining

    try:
        src.backup(out, pages=STEP_PAGES, progress=progress, sleep=STEP_SLEEP_S)
    except _Restarting:
        src.backup(out, pages=-1)  # one step: a single read snapshot, which writers do not wait for in WAL mode


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        raise NotADatabase(f"{path}: the integrity check failed: {'; '.join(rows[:5])}")


def inspect(path: Path) -> Contents:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {
            label: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] if table in tables else None
            for label, table in COUNTED
        }
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    finally:
        conn.close()
    return Contents(size_bytes=path.stat().st_size, counts=counts, revision=revision)


def fsync(path: Path) -> None:
    """Make a file (or a directory's entries: a rename) reach the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def free_name(directory: Path, stem: str, suffix: str) -> Path:
    """`directory/stem+suffix`, or with -2, -3 ... when taken (two backups in one second)."""
    candidate = directory / f"{stem}{suffix}"
    n = 2
    while candidate.exists():
        candidate = directory / f"{stem}-{n}{suffix}"
        n += 1
    return candidate


def now_stamp() -> str:
    """UTC time for file names: sorts in time order, and has no ':' (which some file systems refuse)."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
