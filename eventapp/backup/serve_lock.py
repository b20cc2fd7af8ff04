"""The lock a server holds on its SQLite database, so `eventapp restore` can tell that one is running.

An flock on `<database>.lock` beside the database: every server process holds it shared for its whole life (the
kernel drops it when the process ends, crashed or not); restore takes it exclusive, and cannot while any server runs.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
_held: dict[Path, int] = {}  # lock file -> the open descriptor that holds it, for this process's life


class DatabaseInUse(Exception):
    pass


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite database URL; None for other databases and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve()


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def hold_while_serving(database: Path, wait_s: float = 30.0) -> None:
    """Hold the serving lock (shared: several servers may share one database) until this process ends. Waits up to
    `wait_s` for a restore in progress to finish, then starts anyway rather than leave the day without a server."""
    path = lock_path(database)
    if path in _held:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                log.warning("%s is still locked by a restore after %.0f s: serving without the lock", path, wait_s)
                break
            time.sleep(0.1)
    _held[path] = fd


def exclusive(database: Path) -> int:
    """Take the lock exclusively for a restore (release: os.close of the returned descriptor). Raises
    DatabaseInUse while any server holds it."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DatabaseInUse(
            f"A server is running on {database} (it holds {path}). Stop it first (Ctrl+C in its window, or stop "
            "its service), then restore again."
        ) from None
    return fd
