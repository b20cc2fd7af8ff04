"""What every request gets from auth: the cookie session, CSRF for cookie-authenticated writes, security headers."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..errors import ApiError, error_response
from ..signals import error_answered
from .models import AUDIENCE
from .tokens import PRINCIPAL_KEY, SESSION_KEY, bearer_token

csrf = CSRFProtect()


# Scripts load from our origin only; connect-src 'self' covers the same-origin WebSocket in current browsers.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _protect_cookie_writes() -> None:
    """Cookie-authenticated staff writes carry a CSRF token; Bearer calls and audience writes do not need one
    (audience writes carry no staff power; their Origin is checked where they are handled)."""
    if request.method in SAFE_METHODS or bearer_token() is not None:
        return
    if session.get(SESSION_KEY):
        csrf.protect()


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    # Not for a local CA's certificate: a phone would refuse the same address over plain HTTP for a year.
    if current_app.config["SESSION_COOKIE_SECURE"] and current_app.config["TLS_MODE"] != "local-ca":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus the signing serializer Flask builds for every request (~25 µs) even
    when there is no cookie to read: devices scanning at the door send a Bearer token and never a cookie."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # what Flask's own open_session returns for a request without the cookie
        return super().open_session(app, request)


def _error_page_as_audience(_sender: Any, *, page: bool, **_kwargs: Any) -> None:
    """The error page never asks who is calling again (the refusal may be about exactly that): a caller not yet
    known is shown the page as the audience."""
    if page:
        request.environ.setdefault(PRINCIPAL_KEY, AUDIENCE)


def init_app(app) -> None:
    error_answered.connect(_error_page_as_audience)
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    app.before_request(_protect_cookie_writes)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return error_response(
            ApiError(400, "csrf_failed", "The form expired or did not come from this site. Reload and try again.")
        )


# --- routes ---------------------------------------------------------------------------------------------
