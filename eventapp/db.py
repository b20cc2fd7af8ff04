"""Engine, sessions, SQLite rules and the migrations entry.

SQLite rules: WAL, busy_timeout, foreign keys, and `BEGIN IMMEDIATE` for every
transaction so two writers never deadlock on a lock upgrade; one pooled connection, so greenlets queue for the
database cooperatively instead of blocking the gevent hub. Never emit or do network I/O inside a transaction.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gevent
from flask import Flask, current_app
from sqlalchemy import Connection, Engine, create_engine, event, types
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel

from . import features
from .errors import short_reason

# alembic is imported inside the functions that run migrations, not by every server at boot (a restart's time): the
# one kind of function-level import kept in this module, on purpose.

ENGINE_KEY = "eventapp.engine"
READ_ONLY = "eventapp_read_only"


class UTCDateTime(types.TypeDecorator):
    """Stored as naive UTC on every backend, read back as an aware UTC datetime."""

    impl = types.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ARG002
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """PostgreSQL: a pool per process (budget processes x 2 x pool_size under max_connections). SQLite: one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=30,
        connect_args={"check_same_thread": False, "timeout": 5},
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=5000", "synchronous=NORMAL", "foreign_keys=ON"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # Writers take the lock up front (no deadlock on a lock upgrade); readers (read_scope) do not need it.
        # Straight on the driver's connection: SQLAlchemy's statement machinery here cost ~40 µs per transaction.
        sql = "BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
        conn.connection.driver_connection.execute(sql)

    return engine


# SQLite checkpoints the WAL inside the COMMIT of whichever transaction crosses wal_autocheckpoint (1000 pages by
# default, ~130 scans): two fsyncs and a page copy that stop the whole gevent worker for 2-25 ms, every request in
# flight included. The server runs them in a native thread instead (the sqlite3 module releases the GIL while it
# works), every CHECKPOINT_SECONDS.
CHECKPOINT_SECONDS = 0.2
# A checkpoint that overlaps writes cannot rewind the WAL, so under non-stop writes it would grow until the next
# pause. Past REWIND_PAGES one more round runs while the one pooled connection is held: requests wait for the
# database for about a millisecond (the worker keeps running), and the next write starts the WAL from the top.
REWIND_PAGES = 4000
# SQLite's own checkpoint stays on, at a mark the thread keeps the WAL under: a backstop if the thread stops.
BACKSTOP_PAGES = 10000

log = logging.getLogger(__name__)


def checkpoint_in_background(engine: Engine) -> Any:
    """Move WAL checkpoints of a SQLite file database out of the request path (the gevent server: wsgi.py).
    Returns the greenlet that runs them, or None for other databases (nothing to move)."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return None

    @event.listens_for(engine, "connect")
    def _backstop(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")

    engine.dispose()  # a connection opened before this point would keep the default mark
    return gevent.spawn(_checkpoint_loop, engine, path)


class FailureStreak:
    """Logs a task's run of failures as one warning when it starts and one line when it ends (a reminder every
    REMIND_SECONDS meanwhile): a full disk fails a checkpoint five times a second, which must not flood the log."""

    REMIND_SECONDS = 60.0

    def __init__(self, logger: logging.Logger, what: str):
        self.logger, self.what = logger, what
        self.failures = 0
        self.logged_at = 0.0

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        now = time.monotonic()
        if self.failures == 1 or now - self.logged_at >= self.REMIND_SECONDS:
            self.logged_at = now
            self.logger.warning("%s failing (%d times so far): %s", self.what, self.failures, short_reason(exc))

    def succeeded(self) -> None:
        if self.failures:
            self.logger.info("%s resumed after %d failures", self.what, self.failures)
            self.failures = 0


def _checkpoint_loop(engine: Engine, path: str) -> None:
    threads = gevent.get_hub().threadpool
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA synchronous=NORMAL")  # the same syncs as the request connection's checkpoints
    streak = FailureStreak(log, "WAL checkpoint")

    def checkpoint() -> tuple[int, int, int] | Exception:
        # PASSIVE: copies what it can and never waits for, or blocks, a writer. (busy, WAL pages, pages copied)
        # A failure comes back as a value: raised in the pool's thread, gevent would print it on every round.
        try:
            return conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except Exception as exc:
            return exc

    def run() -> None:
        result = threads.apply(checkpoint)
        if isinstance(result, Exception):
            raise result
        if result[1] >= REWIND_PAGES:
            with engine.connect():  # no write can land while the pages written meanwhile are copied
                again = threads.apply(checkpoint)
            if isinstance(again, Exception):
                raise again

    while True:
        gevent.sleep(CHECKPOINT_SECONDS)
        try:
            run()
        except Exception as exc:  # a failed round leaves the work to the next one, or to the backstop
            streak.failed(exc)
        else:
            streak.succeeded()


class DatabaseNotWritable(Exception):
    """The database cannot take a write now; the message says which part (for /healthz)."""


def check_writable(engine: Engine, min_free_bytes: int = 0) -> None:
    """Raise DatabaseNotWritable (or the driver's error) unless a write could be made now: for a SQLite file, its
    filesystem is writable with at least `min_free_bytes` free and the write lock can be taken; for PostgreSQL, the
    server gives this transaction a write id (refused on a read-only or recovering server)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if path and path != ":memory:":
        stats = os.statvfs(Path(path).parent)
        if stats.f_flag & os.ST_RDONLY:
            raise DatabaseNotWritable("its filesystem is read-only")
        free = stats.f_bavail * stats.f_frsize
        if free < min_free_bytes:
            raise DatabaseNotWritable(f"its disk is full: {free // 1024} KB free")
    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE takes the write lock
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT txid_current()")


def init_app(app: Flask) -> None:
    app.extensions[ENGINE_KEY] = make_engine(app.config["DATABASE_URL"], app.config["DB_POOL_SIZE"])


def get_engine() -> Engine:
    return current_app.extensions[ENGINE_KEY]


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: commits on success, rolls back on error. Do not nest (the SQLite pool holds one)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def write_connection() -> AbstractContextManager[Connection]:
    """session_scope without the ORM, for a hot path of prebuilt Core statements (a scan at the door): one
    transaction on a Connection, committed on success, rolled back on error. Do not nest either."""
    return get_engine().begin()


@contextmanager
def read_scope() -> Iterator[Session]:
    """A transaction that only reads: on SQLite it does not take the write lock, so a hot read (a staff token on
    every request) does not queue behind, or hold up, writers in other processes. Writes here are refused."""
    with Session(get_engine().execution_options(**{READ_ONLY: True}), expire_on_commit=False) as session:
        try:
            yield session
        finally:
            session.expunge_all()  # what was read stays readable; the rollback then drops any write
            session.rollback()


def create_all_for_tests(engine: Engine) -> None:
    """Tests only: the schema straight from the models (a test checks migrations produce the same)."""
    import_models()
    SQLModel.metadata.create_all(engine)


def import_models() -> None:
    """Import every models module so SQLModel.metadata knows every table."""
    features.import_modules("models")


def delete_all_rows(session: Session) -> None:
    """Empty every table (children first), keeping the schema: `eventapp demo` replaces what the database held."""
    import_models()
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.execute(table.delete())
