"""One error type for every bad input, turned into `{"error", "message"}` JSON with a fitting 4xx status."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """A refusal a person can read. Raised by services; views and socket handlers shape it."""

    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message, **self.extra}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body


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
    """JSON for the API, a page for people; counted for /metrics."""
    from .metrics import ERRORS

    ERRORS.labels(status=str(err.status), code=err.code).inc()
    if wants_json():
        return api_error_response(err)
    # The error page never asks who is calling again (the refusal may be about exactly that): a caller not yet
    # known is shown the page as the audience.
    from .auth import AUDIENCE, PRINCIPAL_KEY

    request.environ.setdefault(PRINCIPAL_KEY, AUDIENCE)
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
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ApiError(500, "internal_error", "Something went wrong on our side."))
