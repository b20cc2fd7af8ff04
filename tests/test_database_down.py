"""A database that cannot take a write answers 503 database_unavailable with Retry-After (HTTP and socket acks),
never 500, and /healthz says so. The driver's own errors are injected here (the real outages, a full disk and a
PostgreSQL restart, run against real processes in tests/test_outages.py)."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy import event

from eventapp import db
from eventapp.checkin.badges import get_badge
from eventapp.errors import database_unavailable


def a_badge() -> str:
    """The badge code of the demo's first person."""
    from sqlmodel import select

    from eventapp.program.models import Person

    with db.session_scope() as s:
        first = s.exec(select(Person.id).order_by(Person.id)).first()
    return get_badge(first).code


@pytest.fixture
def full_disk(demo_app):
    """full_disk(): from then on every write statement fails as SQLite fails on a full disk; reads still work."""
    engine = db.get_engine()

    def refuse_writes(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")

    yield lambda: event.listen(engine, "before_cursor_execute", refuse_writes)
    if event.contains(engine, "before_cursor_execute", refuse_writes):
        event.remove(engine, "before_cursor_execute", refuse_writes)


def test_a_scan_on_a_full_disk_is_503_with_retry_after(demo_app, client, make_staff, full_disk):
    volunteer = make_staff("volunteer")
    code = a_badge()
    full_disk()
    answer = client.post("/api/v1/checkins", json={"code": code, "nonce": "full-1"}, headers=volunteer["headers"])
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.get_json()["error"] == "database_unavailable"
    assert answer.get_json()["message"]
    assert int(answer.headers["Retry-After"]) >= 1


def test_a_timer_command_ack_on_a_full_disk_says_database_unavailable(demo_app, socket_client, make_staff, full_disk):
    chair = make_staff("chair", room_ids=["main"])
    sock = socket_client(chair["token"])
    full_disk()
    ack = sock.emit("timer_command", {"room_id": "main", "action": "start", "command_id": "full-c1"}, callback=True)
    assert ack["ok"] is False and ack["error"] == "database_unavailable" and ack["retry_after"] >= 1


def test_an_outage_is_one_log_line_per_request_not_a_traceback(demo_app, client, make_staff, full_disk, caplog):
    volunteer = make_staff("volunteer")
    code = a_badge()
    full_disk()
    with caplog.at_level(logging.WARNING):
        client.post("/api/v1/checkins", json={"code": code, "nonce": "full-2"}, headers=volunteer["headers"])
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "disk is full" in lines[0].getMessage()


def test_a_bug_in_a_statement_is_still_a_500_not_hidden_as_an_outage():
    from eventapp.errors import database_unavailable

    assert database_unavailable(sqlite3.OperationalError("no such table: nothing")) is None
    assert database_unavailable(sqlite3.OperationalError("database is locked")).status == 503


def test_healthz_is_503_when_the_disk_has_no_room(app, client):
    app.config["HEALTH_MIN_FREE_BYTES"] = 1 << 62  # more than any disk has
    answer = client.get("/healthz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert (body["error"], body["database"]) == ("database_unavailable", "unavailable")
    assert "disk" in body["message"] and answer.headers["Retry-After"]


def test_healthz_is_503_when_the_write_lock_cannot_be_taken(app, client, tmp_path):
    """Another process holds the SQLite write lock past busy_timeout (shortened here)."""
    path = db.get_engine().url.database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")

    @event.listens_for(db.get_engine(), "connect")
    def _short_wait(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA busy_timeout=100")

    db.get_engine().dispose()
    try:
        answer = client.get("/healthz")
    finally:
        holder.rollback()
        holder.close()
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.get_json()["database"] == "unavailable"


def test_postgresql_errors_that_mean_not_now_are_503_and_statement_errors_are_not():
    import psycopg
    from psycopg import errors as pg

    for exc in (
        psycopg.OperationalError("connection refused"),
        pg.ConnectionTimeout("timed out"),
        pg.AdminShutdown("terminating connection"),
        pg.ReadOnlySqlTransaction("read-only"),
    ):
        assert database_unavailable(exc) is not None, exc
    assert database_unavailable(pg.UndefinedTable("no such table")) is None
    assert database_unavailable(pg.UniqueViolation("duplicate")) is None


def test_a_staff_socket_connecting_while_the_database_is_down_is_refused_cleanly(demo_app, make_staff, monkeypatch):
    from eventapp import realtime

    chair = make_staff("chair", room_ids=["main"])

    def down(_raw):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(realtime, "principal_for_token", down)
    sock = realtime.socketio.test_client(demo_app, auth={"token": chair["token"]})
    assert not sock.is_connected()
