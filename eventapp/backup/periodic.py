"""Backups taken by the server itself every EVENTAPP_BACKUP_EVERY minutes into EVENTAPP_BACKUP_DIR, the newest
EVENTAPP_BACKUP_KEEP kept; and what /healthz and /metrics say about the last one.

The loop is a greenlet in the server's gevent worker (wsgi.py starts it beside the WAL checkpoints); each copy runs
in the hub's native thread pool, since sqlite3 releases the GIL while it copies but would block the hub.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gevent
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from .. import metrics
from . import snapshot
from .serve_lock import sqlite_path

log = logging.getLogger(__name__)

PREFIX = "eventapp-"
SUFFIX = ".db"
_NAME = re.compile(rf"^{PREFIX}(\d{{8}}T\d{{6}}Z)(-\d+)?{re.escape(SUFFIX)}$")

# This process's view: when the last backup it knows of was written (periodic, or found in the folder at start).
_state: dict[str, Any] = {"last": None, "failures": 0, "every_minutes": None}


def backup_files(directory: Path) -> list[Path]:
    """The periodic backups in `directory`, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted((p for p in directory.iterdir() if _NAME.match(p.name)), key=_order)


def _order(path: Path) -> tuple[str, int]:
    """By time, then by the -2, -3 ... of backups taken within one second (a plain name sort puts -2 first)."""
    match = _NAME.match(path.name)
    return match.group(1), int(match.group(2)[1:]) if match.group(2) else 1


def take(database: Path, directory: Path, keep: int) -> tuple[Path, snapshot.Contents]:
    """One backup named by the time, then the oldest beyond `keep` removed."""
    directory.mkdir(parents=True, exist_ok=True)
    out = snapshot.free_name(directory, PREFIX + snapshot.now_stamp(), SUFFIX)
    contents = snapshot.online_copy(database, out)
    prune(directory, keep)
    return out, contents


def prune(directory: Path, keep: int) -> list[Path]:
    files = backup_files(directory)
    gone = files[: max(0, len(files) - max(1, keep))]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def _file_time(path: Path) -> datetime:
    return datetime.strptime(_NAME.match(path.name).group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def start_in_background(config: dict[str, Any]) -> Any:
    """The server's backup loop (a greenlet), or None when EVENTAPP_BACKUP_EVERY is not set or the database is not
    a SQLite file (PostgreSQL: pg_dump, docs/deploy.md)."""
    every = config["BACKUP_EVERY_MINUTES"]
    if not every:
        return None
    database = sqlite_path(config["DATABASE_URL"])
    if database is None:
        log.warning("EVENTAPP_BACKUP_EVERY is set but the database is not a SQLite file: back it up with pg_dump")
        return None
    directory = Path(config["BACKUP_DIR"])
    _state["every_minutes"] = every
    existing = backup_files(directory)
    if existing:
        _state["last"] = _file_time(existing[-1])
    return gevent.spawn(_loop, database, directory, int(config["BACKUP_KEEP"]), every * 60)


def _loop(database: Path, directory: Path, keep: int, seconds: float) -> None:
    threads = gevent.get_hub().threadpool
    while True:
        gevent.sleep(seconds)
        try:
            out, contents = threads.apply(take, (database, directory, keep))
            _state["last"] = datetime.now(UTC)
            log.info("backup %s: %s", out, contents.summary())
        except Exception:  # the next round tries again; /metrics counts the failures
            _state["failures"] += 1
            log.exception("backup into %s failed", directory)


def health() -> dict[str, Any]:
    """The "backup" part of /healthz."""
    last = _state["last"]
    return {"last": last.isoformat(timespec="seconds") if last else None, "every_minutes": _state["every_minutes"]}


class BackupCollector:
    """/metrics: the age of the last backup (absent until there is one) and failed rounds."""

    def collect(self):
        last = _state["last"]
        if last is not None:
            age = GaugeMetricFamily("eventapp_backup_age_seconds", "Seconds since the last backup was written.")
            age.add_metric([], max(0.0, time.time() - last.timestamp()))
            yield age
        failures = CounterMetricFamily("eventapp_backup_failures", "Periodic backups that failed.")
        failures.add_metric([], _state["failures"])
        yield failures


metrics.REGISTRY.register(BackupCollector())
