"""One error type for every bad input, turned into `{"error", "message"}` JSON with a fitting 4xx status.

A leaf of the core: it imports neither metrics nor auth. Who cares about an answered error connects to
`signals.error_answered` (metrics counts it; auth shows an unknown caller the error page as the audience).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from .signals import error_answered


class ApiError(Exception):
    """A refusal a person can read. Raised by services; views and socket handlers shape it."""

    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.extra = extra
        self.reason = ""  # what went wrong underneath, for the log (never sent)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message, **self.extra}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body


UNAUTHENTICATED_MESSAGE = "Sign in with your staff link or send a valid Bearer token."


def unauthenticated() -> ApiError:
    """The 401 for a caller without valid staff credentials (HTTP and socket events alike)."""
    return ApiError(401, "unauthenticated", UNAUTHENTICATED_MESSAGE)


# --- a database that cannot take a write now -------------------------------------------------------------------

# How long a scanner or a chair console waits before it tries again (Retry-After, seconds).
DATABASE_RETRY_AFTER = 3
DATABASE_MESSAGE = "The database cannot take this right now. Nothing was lost on your side: try again in a moment."
# What SQLite says when the file cannot be written now (full disk, read-only file or filesystem, a lock held past
# busy_timeout, an I/O error), as opposed to a bug in a statement ("no such table"), which stays a 500.
SQLITE_UNAVAILABLE = ("full", "readonly", "read-only", "locked", "busy", "disk i/o", "unable to open")
# PostgreSQL SQLSTATE classes and codes that mean "not now": 08 connection, 53 insufficient resources (disk full,
# out of memory, too many connections), 57P0x shutdown/crash/cannot connect now, 25006 read-only transaction.
POSTGRES_UNAVAILABLE_PREFIXES = ("08", "53", "57P", "25006")

log = logging.getLogger("eventapp.database")


def database_unavailable(exc: BaseException) -> ApiError | None:
    """The 503 for an exception that means the database cannot take a write now (SQLAlchemy's wrapped driver error,
    or the driver's own), else None: a scanner queues and replays, a chair console retries by itself."""
    if isinstance(exc, sa_exc.TimeoutError):  # the pool: every connection busy past pool_timeout
        return _unavailable(exc)
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return _unavailable(exc)
        exc = exc.orig if exc.orig is not None else exc
    module = type(exc).__module__
    if module.startswith("sqlite3") and type(exc).__name__ == "OperationalError":
        text = str(exc).lower()
        return _unavailable(exc) if any(word in text for word in SQLITE_UNAVAILABLE) else None
    if module.startswith("psycopg"):
        psycopg = sys.modules["psycopg"]  # loaded: the error came from it (an optional driver, never imported here)

        state = getattr(exc, "sqlstate", None) or ""
        # OperationalError and its kin (ConnectionTimeout, AdminShutdown, ...): the server, not the statement.
        if isinstance(exc, psycopg.OperationalError) or state.startswith(POSTGRES_UNAVAILABLE_PREFIXES):
            return _unavailable(exc)
    return None


def _unavailable(exc: BaseException) -> ApiError:
    err = ApiError(503, "database_unavailable", DATABASE_MESSAGE, retry_after=DATABASE_RETRY_AFTER)
    err.reason = short_reason(exc)  # for the log line, not the answer (it may name hosts)
    return err


def short_reason(exc: BaseException) -> str:
    """One line naming a failure, for a log line or an answer (no traceback, no SQL)."""
    inner = exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None else exc
    first = (str(inner).strip().splitlines() or [""])[0][:200]
    return f"{type(inner).__name__}: {first}" if first else type(inner).__name__


def not_found(what: str, ident: object) -> ApiError:
    return ApiError(404, "not_found", f"There is no {what} with id {ident!r}.")


def bad_request(code: str, message: str, **extra: Any) -> ApiError:
    return ApiError(400, code, message, **extra)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or request.is_json


def api_error_response(err: ApiError):
    response = jsonify(err.to_dict())
    response.status_code = err.status
    if err.retry_after is not None:
        response.headers["Retry-After"] = str(err.retry_after)
    return response


def _http_code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_")


def error_response(err: ApiError):
    """JSON for the API, a page for people; counted for /metrics (a receiver of `error_answered`)."""
    page = not wants_json()
    # The error page never asks who is calling again (the refusal may be about exactly that): auth's receiver
    # marks a caller not yet known as the audience before the page renders.
    error_answered.send(current_app._get_current_object(), error=err, page=page)
    if not page:
        return api_error_response(err)
    try:
        return render_template("error.html", status=err.status, message=err.message), err.status
    except Exception:  # the page needs the database or the caller's identity: the answer must not raise again
        current_app.logger.exception("error page failed on %s %s", request.method, request.path)
        return api_error_response(err)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return error_response(ApiError(exc.code or 400, _http_code(exc), exc.description or exc.name))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        unavailable = database_unavailable(exc)
        if unavailable is not None:  # one line, not a traceback: a database outage fails many requests at once
            log.warning("database unavailable on %s %s: %s", request.method, request.path, unavailable.reason)
            return error_response(unavailable)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ApiError(500, "internal_error", "Something went wrong on our side."))
