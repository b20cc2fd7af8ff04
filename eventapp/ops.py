"""Operations: /healthz (database and message queue) and /metrics (Prometheus text format).

/healthz tells a load balancer whether to send this server requests: 503 when the database cannot take a write
(then no server can work), 200 "degraded" when only the message queue is down (every server is then equally cut
off from the others and still answers its own clients; docs/operations.md). Features add their part of the
answer through `signals.health_report` (the backup feature: when the last backup was written)."""

from __future__ import annotations

import hmac
from typing import Literal

import redis
from flask import Blueprint, Response, current_app, jsonify
from pydantic import Field
from sqlalchemy import text

from . import metrics, schemas
from .auth import allows, bearer_token
from .db import DatabaseNotWritable, check_writable, get_engine, utcnow
from .errors import DATABASE_RETRY_AFTER, ApiError, database_unavailable
from .schemas import Answer
from .signals import health_report, send_safely

bp = Blueprint("ops", __name__)


class HealthBackup(Answer):
    """The backup feature's part of /healthz (added through `signals.health_report`)."""

    last: str | None = Field(description="when the last backup was written (ISO 8601, UTC); null before the first")
    every_minutes: float | None = Field(description="how often backups are written; null when the server takes none")


class Health(Answer):
    """This server can take requests: the database takes writes; the message queue may be down (degraded)."""

    status: Literal["ok", "degraded"] = Field(description="degraded: only the message queue is down")
    database: Literal["ok"]
    queue: Literal["ok", "not configured", "unavailable"] = Field(description="the message queue between servers")
    time: str = Field(description="the server's clock, ISO 8601, UTC")
    backup: HealthBackup | None = None


def _check_database() -> None:
    """The database answers and can take a write now (for SQLite: its disk has room and is not read-only)."""
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        check_writable(get_engine(), current_app.config["HEALTH_MIN_FREE_BYTES"])
    except DatabaseNotWritable as exc:
        raise _database_down(str(exc)) from exc
    except Exception as exc:  # any failure makes the process unhealthy; say which part
        known = database_unavailable(exc)
        raise _database_down(known.reason if known else exc.__class__.__name__) from exc


def _database_down(why: str) -> ApiError:
    err = ApiError(
        503,
        "database_unavailable",
        f"The database cannot take a write ({why}).",
        retry_after=DATABASE_RETRY_AFTER,
        database="unavailable",
    )
    err.extra["status"] = "unavailable"
    return err


QUEUE_PING_SECONDS = 1.0  # a balancer's probe must not wait long on a queue that hangs


def _check_queue() -> str:
    url = current_app.config["MESSAGE_QUEUE"]
    if not url:
        return "not configured"
    try:
        client = redis.Redis.from_url(url, socket_timeout=QUEUE_PING_SECONDS, socket_connect_timeout=QUEUE_PING_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except Exception:  # the queue only links the servers: each still serves its own clients (degraded)
        return "unavailable"
    return "ok"


@bp.get("/healthz")
@allows("anyone")
@schemas.answers(Health)
def healthz():
    _check_database()
    queue = _check_queue()
    status = "ok" if queue in ("ok", "not configured") else "degraded"
    report = {"status": status, "database": "ok", "queue": queue, "time": utcnow().isoformat(timespec="seconds")}
    send_safely(health_report, current_app._get_current_object(), report=report)
    return jsonify(report)


@bp.get("/metrics")
@allows("anyone on the network; with EVENTAPP_METRICS_TOKEN set, only with that Bearer token")
@schemas.answers(media="text/plain")
def prometheus_metrics():
    """Open on a private network; with EVENTAPP_METRICS_TOKEN set, only for `Authorization: Bearer <that token>`."""
    expected = current_app.config["METRICS_TOKEN"]
    if expected and not hmac.compare_digest((bearer_token() or "").encode(), expected.encode()):
        raise ApiError(401, "unauthenticated", "Send the metrics token as a Bearer token.")
    return Response(metrics.exposition(), mimetype="text/plain; version=0.0.4")
