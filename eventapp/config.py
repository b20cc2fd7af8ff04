"""Settings from EVENTAPP_* environment variables, with defaults that run the demo on a laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_PREFIX = "EVENTAPP_"


def default_instance_path() -> Path:
    """Where local state lives (SQLite file, generated secret): ./instance unless EVENTAPP_INSTANCE_PATH says."""
    return Path(os.environ.get(f"{ENV_PREFIX}INSTANCE_PATH", "instance")).resolve()


def _secret_key(instance: Path) -> str:
    """EVENTAPP_SECRET_KEY, or one generated once and kept in the instance folder so restarts keep sessions."""
    key = os.environ.get(f"{ENV_PREFIX}SECRET_KEY")
    if key:
        return key
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Flask config mapping: environment first, then `overrides` (tests pass theirs here)."""
    overrides = dict(overrides or {})
    env = os.environ
    instance = Path(overrides.get("INSTANCE_PATH") or default_instance_path())
    settings: dict[str, Any] = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": env.get(f"{ENV_PREFIX}DATABASE_URL", f"sqlite:///{instance / 'eventapp.db'}"),
        "DB_POOL_SIZE": int(env.get(f"{ENV_PREFIX}DB_POOL_SIZE", "5")),  # PostgreSQL; SQLite always uses one
        "MESSAGE_QUEUE": env.get(f"{ENV_PREFIX}MESSAGE_QUEUE") or None,
        "SOCKET_ASYNC_MODE": "gevent",  # the server's worker; tests pass "threading"
        "BASE_URL": env.get(f"{ENV_PREFIX}BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "LOGIN_LINK_TTL_HOURS": float(env.get(f"{ENV_PREFIX}LOGIN_LINK_TTL_HOURS", "72")),
        "RATELIMIT_STORAGE": env.get(f"{ENV_PREFIX}RATELIMIT_STORAGE") or None,
        "RATELIMIT_PREFIX": env.get(f"{ENV_PREFIX}RATELIMIT_PREFIX")
        or env.get(f"{ENV_PREFIX}MESSAGE_QUEUE_CHANNEL", "eventapp"),
        # How many reverse proxies (nginx) stand in front and set X-Forwarded-For/-Proto: 0 when none.
        "PROXY_HOPS": int(env.get(f"{ENV_PREFIX}PROXY_HOPS", "0")),
        "METRICS_TOKEN": env.get(f"{ENV_PREFIX}METRICS_TOKEN") or None,
        # Several apps (or test runs) sharing one Redis keep apart by channel name and key prefix.
        "MESSAGE_QUEUE_CHANNEL": env.get(f"{ENV_PREFIX}MESSAGE_QUEUE_CHANNEL", "eventapp"),
        # /healthz reports a SQLite database unavailable when its disk has less free than this (the WAL needs room).
        "HEALTH_MIN_FREE_BYTES": int(float(env.get(f"{ENV_PREFIX}HEALTH_MIN_FREE_MB", "16")) * 1024 * 1024),
        "LOG_LEVEL": env.get(f"{ENV_PREFIX}LOG_LEVEL", "INFO"),
        "LOG_FORMAT": env.get(f"{ENV_PREFIX}LOG_FORMAT", "text"),  # "json": one object a line
        # Socket.IO: the cap on one incoming message protects the server from huge payloads.
        "SOCKET_MAX_MESSAGE_BYTES": int(env.get(f"{ENV_PREFIX}SOCKET_MAX_MESSAGE_BYTES", str(64 * 1024))),
        "EXTRA_ORIGINS": [o.strip() for o in env.get(f"{ENV_PREFIX}EXTRA_ORIGINS", "").split(",") if o.strip()],
        "SOCKET_PING_INTERVAL": float(env.get(f"{ENV_PREFIX}SOCKET_PING_INTERVAL", "20")),
        "SOCKET_PING_TIMEOUT": float(env.get(f"{ENV_PREFIX}SOCKET_PING_TIMEOUT", "20")),
        # A full garbage collection after this many socket disconnects (0: never; docs/operations.md, "Memory under
        # reconnects"): what a closed connection leaves in reference cycles is freed without waiting for the raised
        # collector thresholds of gunicorn_conf.
        "SOCKET_GC_AFTER_DISCONNECTS": int(env.get(f"{ENV_PREFIX}SOCKET_GC_AFTER_DISCONNECTS", "500")),
        # permessage-deflate for WebSocket clients that offer it (all browsers): off, since compressing each small
        # broadcast once per connection costs CPU and ~90 KB per phone (docs/benchmarks.md).
        # Pushes gathered by the one coalescer (eventapp/coalesce.py), in seconds; 0 pushes at once (tests). A busy
        # door's scans share one coverage push, a hall's votes one count push per question, a chair's burst of
        # commands one day-plan push. The timer's keyframes: every TIMER_KEYFRAME_SECONDS when TIMER_KEYFRAMES.
        "CHECKIN_PUSH_DELAY": float(env.get(f"{ENV_PREFIX}CHECKIN_PUSH_DELAY") or 0.25),
        # The coverage board warns about a paper with no author here this many minutes before its talk.
        "CHECKIN_WARNING_MINUTES": float(env.get(f"{ENV_PREFIX}CHECKIN_WARNING_MINUTES") or 30),
        "QA_VOTE_FLUSH_SECONDS": float(env.get(f"{ENV_PREFIX}QA_VOTE_FLUSH_SECONDS") or 0.5),
        "PROGRAM_PUSH_DELAY": float(env.get(f"{ENV_PREFIX}PROGRAM_PUSH_DELAY") or 0.3),
        "TIMER_KEYFRAMES": True,
        "TIMER_KEYFRAME_SECONDS": 5.0,
        "WS_COMPRESSION": env.get(f"{ENV_PREFIX}WS_COMPRESSION", "off").strip().lower() in ("1", "on", "true", "yes"),
        # Backups by the server (SQLite only): every BACKUP_EVERY minutes (unset or 0: none; fractions allowed),
        # into BACKUP_DIR, the newest BACKUP_KEEP kept (eventapp/backup/periodic.py).
        "BACKUP_EVERY_MINUTES": float(env.get(f"{ENV_PREFIX}BACKUP_EVERY") or 0) or None,
        "BACKUP_DIR": env.get(f"{ENV_PREFIX}BACKUP_DIR") or str(instance / "backups"),
        "BACKUP_KEEP": int(env.get(f"{ENV_PREFIX}BACKUP_KEEP") or 12),
        # Set by `eventapp serve --https`: "local-ca" (a certificate from the instance's own CA, with a plain-HTTP
        # landing on TLS_LANDING_PORT for phones), "certificate" (one given with --cert), or "" (none here).
        "TLS_MODE": env.get(f"{ENV_PREFIX}TLS_MODE", ""),
        "TLS_LANDING_PORT": int(env.get(f"{ENV_PREFIX}TLS_LANDING_PORT") or 0),
        # Check every answer, push and snapshot sent against its declared shape (eventapp/schemas.py): on in tests,
        # off on the day (a mismatch raises, and the check costs a validation per answer).
        "CHECK_ANSWERS": False,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "WTF_CSRF_CHECK_DEFAULT": False,  # eventapp/auth/web.py decides which writes need a CSRF token
        "WTF_CSRF_TIME_LIMIT": None,  # a chair's phone stays open all day
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }
    settings.update(overrides)
    settings["SESSION_COOKIE_SECURE"] = urlsplit(settings["BASE_URL"]).scheme == "https"
    if "SECRET_KEY" not in settings:
        settings["SECRET_KEY"] = _secret_key(instance)
    return settings
