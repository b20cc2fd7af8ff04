"""Operations: /healthz (database and message queue) and /metrics (Prometheus text format)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from . import metrics
from .auth import bearer_token
from .backup import periodic as backup
from .db import get_engine, utcnow
from .errors import ApiError

bp = Blueprint("ops", __name__)


def _check_database() -> None:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure makes the process unhealthy; say which part
        message = f"The database does not answer ({exc.__class__.__name__})."
        raise ApiError(503, "database_unavailable", message) from exc


def _check_queue() -> str:
    url = current_app.config.get("MESSAGE_QUEUE")
    if not url:
        return "not configured"
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as exc:  # the queue is how servers reach each other's clients: without it, unhealthy
        message = f"The message queue does not answer ({exc.__class__.__name__})."
        raise ApiError(503, "queue_unavailable", message) from exc
    return "ok"


@bp.get("/healthz")
def healthz():
    _check_database()
    queue = _check_queue()
    return jsonify({"status": "ok", "database": "ok", "queue": queue, "time": utcnow().isoformat(timespec="seconds"),
                    "backup": backup.health()})  # fmt: skip


@bp.get("/metrics")
def prometheus_metrics():
    """Open on a private network; with EVENTAPP_METRICS_TOKEN set, only for `Authorization: Bearer <that token>`."""
    expected = current_app.config.get("METRICS_TOKEN")
    if expected and not hmac.compare_digest((bearer_token() or "").encode(), expected.encode()):
        raise ApiError(401, "unauthenticated", "Send the metrics token as a Bearer token.")
    return Response(metrics.exposition(), mimetype="text/plain; version=0.0.4")
