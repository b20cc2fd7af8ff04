"""Token checks: which staff member a raw token (Bearer, session cookie or socket auth) belongs to, cached briefly;
and the caller of the current request. What realtime needs of auth lives here and in `roles`.

A login link is one-time and expiring; using it creates a session token kept in the signed session cookie.
Devices and scripts send `Authorization: Bearer <token>`. Tokens are random, stored as SHA-256, revocable.
"""

from __future__ import annotations

import hashlib
import time

from flask import request, session
from sqlmodel import select

from .. import ratelimit
from ..db import read_scope
from ..errors import ApiError
from .models import AUDIENCE, AuthToken, Principal, Staff

SESSION_KEY = "staff_token"
PRINCIPAL_KEY = "eventapp.principal"
BAD_TOKEN_LIMIT = "30/minute"  # refused Bearer tokens (HTTP and socket connects) per client address


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# A volunteer's phone sends its token with every scan: the answer is kept this long per process, so a busy door
# does not read the same token row hundreds of times a second. A revocation clears this process's copies at once;
# other processes see it within this time (their staff sockets are re-checked without the cache).
TOKEN_CACHE_SECONDS = 2.0
TOKEN_CACHE_MAX = 10_000
_token_cache: dict[str, tuple[float, Principal | None]] = {}


def principal_for_token(raw: str | None) -> Principal | None:
    """The staff member a raw token belongs to, or None when it is unknown, revoked or their account is."""
    if not raw or len(raw) > 200:
        return None
    digest = hash_token(raw)
    now = time.monotonic()
    cached = _token_cache.get(digest)
    if cached is not None and cached[0] > now:
        return cached[1]
    principal = _principal_where(AuthToken.token_hash == digest)
    if len(_token_cache) >= TOKEN_CACHE_MAX:
        _token_cache.clear()
    _token_cache[digest] = (now + TOKEN_CACHE_SECONDS, principal)
    return principal


def forget_cached_tokens() -> None:
    _token_cache.clear()


def live_token_ids(token_ids: set[int]) -> set[int]:
    """Which of these tokens still work (token and account unrevoked): one query for every staff socket of a
    process, never the cache."""
    if not token_ids:
        return set()
    with read_scope() as s:
        rows = s.exec(
            select(AuthToken.id)
            .join(Staff, Staff.id == AuthToken.staff_id)
            .where(AuthToken.id.in_(token_ids), AuthToken.revoked_at.is_(None), Staff.revoked_at.is_(None))
        )
        return set(rows)


def principal_for_token_id(token_id: int | None) -> Principal | None:
    return None if token_id is None else _principal_where(AuthToken.id == token_id)


def _principal_where(condition) -> Principal | None:
    with read_scope() as s:
        row = s.exec(select(AuthToken, Staff).join(Staff, Staff.id == AuthToken.staff_id).where(condition)).first()
    if row is None:
        return None
    token, staff = row
    if token.revoked_at is not None or staff.revoked_at is not None:
        return None
    return Principal(
        role=staff.role,
        name=staff.name,
        staff_id=staff.id,
        token_id=token.id,
        device=token.label,
        room_ids=tuple(staff.room_ids),
        session_ids=tuple(staff.session_ids),
    )


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_principal() -> Principal:
    """The caller of this request: a Bearer token wins over the session cookie. Cached on the request (not on
    `g`, which outlives a request when an app context was pushed around it)."""
    cached = request.environ.get(PRINCIPAL_KEY)
    if cached is not None:
        return cached
    raw = bearer_token()
    if raw is not None:
        principal = principal_for_token(raw)
        if principal is None:
            # The error page (and anything else this request still renders) sees an anonymous caller: the
            # refusal below must not be raised a second time while it is being answered.
            request.environ[PRINCIPAL_KEY] = AUDIENCE
            # Guessing tokens is hopeless (256 bits), but a client stuck on a dead token should back off.
            ratelimit.hit(BAD_TOKEN_LIMIT, "bad-token", request.remote_addr or "?")
            raise ApiError(401, "invalid_token", "This token is unknown or has been revoked.")
    else:
        principal = principal_for_token(session.get(SESSION_KEY)) or AUDIENCE
    request.environ[PRINCIPAL_KEY] = principal
    return principal
