"""The server's WAL checkpoints run off the request path (db.checkpoint_in_background): what is committed reaches the
database file without any request paying for it, and the WAL still rewinds under non-stop writes."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import gevent
import pytest

from eventapp import db


@pytest.fixture
def engine(tmp_path: Path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE scan (id INTEGER PRIMARY KEY, body TEXT)")
    yield engine
    engine.dispose()


def write(engine, rows: int) -> None:
    for i in range(rows):
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO scan (body) VALUES (?)", (f"scan {i} " + "x" * 500,))


def rows_in_database_file(path: Path, tmp_path: Path) -> int:
    """Rows readable from the database file alone, without its WAL: what checkpoints have copied."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as conn:
        return conn.execute("SELECT count(*) FROM scan").fetchone()[0]


def test_committed_rows_reach_the_database_file_without_a_request_checkpoint(engine, tmp_path):
    path = Path(engine.url.database)
    loop = db.checkpoint_in_background(engine)
    try:
        with engine.connect() as conn:  # request connections keep SQLite's own checkpoint only as a backstop
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.BACKSTOP_PAGES
        write(engine, 50)  # ~50 pages: far under SQLite's own mark, so only the thread can have copied them
        gevent.sleep(db.CHECKPOINT_SECONDS * 3)
        assert rows_in_database_file(path, tmp_path) == 50
    finally:
        loop.kill()


# Under the server's gevent worker the pool's wait is cooperative, so the rewind round (which holds the one pooled
# connection) is run in a monkey-patched process, as there.
REWIND_RUN = """
from gevent import monkey; monkey.patch_all()
import os, sys, time
import gevent
from eventapp import db
db.REWIND_PAGES = int(sys.argv[2])
engine = db.make_engine("sqlite:///" + sys.argv[1])
with engine.begin() as conn:
    conn.exec_driver_sql("CREATE TABLE scan (id INTEGER PRIMARY KEY, body TEXT)")
loop = db.checkpoint_in_background(engine)
written, until = 0, time.monotonic() + 2.0
while time.monotonic() < until:  # a write every millisecond or so: every round of the thread overlaps some
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO scan (body) VALUES (?)", ("x" * 500,))
    written += 1
    gevent.sleep(0.001)
loop.kill()
print(written, os.path.getsize(sys.argv[1] + "-wal") // 4096)  # the WAL file's high-water mark, in pages
"""


@pytest.mark.parametrize("rewind", [True, False])
def test_the_wal_rewinds_under_writes_that_never_pause(tmp_path, rewind):
    pages_mark = "50" if rewind else str(10**9)
    run = subprocess.run(
        [sys.executable, "-c", REWIND_RUN, str(tmp_path / "wal.db"), pages_mark],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    written, wal_pages = map(int, run.stdout.split())
    assert written > 300  # each writes a page or more
    if rewind:
        assert wal_pages < written / 3  # the WAL started over, again and again
    else:
        assert wal_pages > written / 2  # what makes the check above mean something: without that round it only grows


def test_other_databases_have_nothing_to_move():
    assert db.checkpoint_in_background(db.make_engine("sqlite://")) is None


def test_a_failing_checkpoint_logs_one_line_not_a_traceback_each_round(engine, monkeypatch, caplog):
    """A full or read-only disk fails every round (5 a second): one warning when it starts, one line when it ends."""
    import logging

    real_connect = sqlite3.connect
    failing = {"on": True}

    class FailingConnection:
        def __init__(self, *args, **kwargs):
            self.conn = real_connect(*args, **kwargs)

        def execute(self, sql, *args):
            if "wal_checkpoint" in sql and failing["on"]:
                raise sqlite3.OperationalError("database or disk is full")
            return self.conn.execute(sql, *args)

    monkeypatch.setattr(db.sqlite3, "connect", FailingConnection)
    with caplog.at_level(logging.INFO, logger="eventapp.db"):
        loop = db.checkpoint_in_background(engine)
        try:
            gevent.sleep(db.CHECKPOINT_SECONDS * 8)
            failing["on"] = False
            gevent.sleep(db.CHECKPOINT_SECONDS * 3)
        finally:
            loop.kill()
    records = [r for r in caplog.records if r.name == "eventapp.db"]
    assert not [r for r in records if r.exc_info], "no traceback"
    assert len(records) == 2, [r.getMessage() for r in records]
    assert "disk is full" in records[0].getMessage() and records[0].levelno == logging.WARNING
    assert "resumed" in records[1].getMessage()
