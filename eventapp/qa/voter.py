"""Audience identity: a signed, HttpOnly voter cookie issued with the first audience response that lacks one.

Sockets read the same cookie from their handshake (Flask-SocketIO keeps the handshake's request), so HTTP and
socket writes share one identity. New identities are rate-limited per address (hashed, never stored raw), loosely
enough that a hall of phones behind one venue NAT can all join within a minute.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from .. import ratelimit
from ..errors import ApiError
from ..realtime import site_origins
from . import identity
from .policy import NEW_VOTERS_PER_HOUR, NEW_VOTERS_PER_MINUTE

COOKIE = "qa_voter"
COOKIE_MAX_AGE = 14 * 24 * 3600
SALT = "qa-voter"
# Kept on the request (not on `g`: tests push one app context for many requests, and g would leak between them).
ENV_KEY = "eventapp.qa_new_voter"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def sign(voter_id: str) -> str:
    return _serializer().dumps(voter_id)


def read_voter() -> str | None:
    """The voter id of this request's (or socket handshake's) cookie, or None when absent or forged."""
    if ENV_KEY in request.environ:
        return request.environ[ENV_KEY]
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 200:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) and 8 <= len(value) <= 64 else None


def address_key() -> str:
    return hashlib.sha256((request.remote_addr or "?").encode()).hexdigest()[:20]


def ensure_voter(*, required: bool) -> str | None:
    """The caller's voter id, minting one (and setting the cookie on the response) when there is none.
    Past the per-address limit a write is refused with 429; a read simply goes on without an identity."""
    voter = read_voter()
    if voter is not None:
        return voter
    try:
        key = address_key()
        ratelimit.hit(
            f"{NEW_VOTERS_PER_MINUTE}/minute",
            "qa-new-voter-m",
            key,
            message="Too many new phones from this network right now. Try again in a moment.",
        )
        ratelimit.hit(
            f"{NEW_VOTERS_PER_HOUR}/hour",
            "qa-new-voter-h",
            key,
            message="Too many new phones from this network. Try again later.",
        )
    except ApiError:
        if required:
            raise
        return None
    voter = identity.new_voter_id()
    request.environ[ENV_KEY] = voter
    return voter


def check_fresh_question(voter_id: str) -> None:
    """A question from an identity younger than a minute counts against its address's shared budget: minting
    identities (dropping the cookie) buys a script nothing (qa/identity.py)."""
    if identity.is_fresh(voter_id):
        ratelimit.hit(
            f"{identity.FRESH_QUESTIONS_PER_MINUTE}/minute",
            "qa-fresh-ask",
            address_key(),
            message="Many new phones are asking from this network. Try again in a minute.",
        )


def require_voter() -> str:
    voter = ensure_voter(required=True)
    assert voter is not None
    return voter


def set_cookie(response):
    """after_app_request: hand the new identity to the browser (HttpOnly, SameSite=Lax, Secure on https)."""
    if request.environ.get(ENV_KEY):
        response.set_cookie(
            COOKIE,
            sign(request.environ[ENV_KEY]),
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            path="/",
        )
    return response


def check_origin() -> None:
    """Audience writes carry no CSRF token, so a present Origin must be our own site."""
    origin = request.headers.get("Origin")
    if origin is not None and origin not in site_origins():
        raise ApiError(403, "bad_origin", "This request did not come from the event's site.")
