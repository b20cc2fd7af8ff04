"""Staff accounts: adding, tokens and sign-in links issued, redeemed and revoked, and the purge after the event."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import String, cast, delete, update
from sqlmodel import select

from .. import schemas
from ..db import session_scope, utcnow
from ..errors import ApiError
from .models import ROLES, AuthToken, LoginLink, Staff
from .tokens import forget_cached_tokens, hash_token

TOKEN_BYTES = 32


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def add_staff(name: str, role: str, room_ids: list[str] | None = None, session_ids: list[str] | None = None) -> Staff:
    name = schemas.strip_bidi(name).strip()
    if schemas.bad_text(name):
        raise ApiError(400, "invalid_name", "A staff name may not hold a NUL or a lone surrogate.")
    if not name or len(name) > 200:
        raise ApiError(400, "invalid_name", "A staff name needs 1 to 200 characters.")
    if role not in ROLES:
        raise ApiError(400, "invalid_role", f"The role must be one of {', '.join(ROLES)}.")
    staff = Staff(name=name, role=role, room_ids=list(room_ids or []), session_ids=list(session_ids or []))
    with session_scope() as s:
        s.add(staff)
        s.flush()
        s.refresh(staff)
    return staff


def issue_api_token(staff_id: int, label: str = "") -> str:
    raw = _new_token()
    with session_scope() as s:
        s.add(AuthToken(staff_id=staff_id, token_hash=hash_token(raw), kind="api", label=label[:80]))
    return raw


def issue_login_link(staff_id: int, ttl_hours: float | None = None) -> str:
    """A one-time sign-in URL (also shown as a QR code to pair a phone)."""
    raw = _new_token()
    ttl = ttl_hours if ttl_hours is not None else current_app.config["LOGIN_LINK_TTL_HOURS"]
    with session_scope() as s:
        s.add(LoginLink(staff_id=staff_id, token_hash=hash_token(raw), expires_at=utcnow() + timedelta(hours=ttl)))
    return f"{current_app.config['BASE_URL']}/login/{raw}"


def find_login_link(raw: str) -> tuple[LoginLink, Staff]:
    with session_scope() as s:
        row = s.exec(
            select(LoginLink, Staff)
            .join(Staff, Staff.id == LoginLink.staff_id)
            .where(LoginLink.token_hash == hash_token(raw))
        ).first()
    if row is None:
        raise ApiError(404, "unknown_link", "This sign-in link is not valid. Ask an organizer for a new one.")
    link, staff = row
    if staff.revoked_at is not None:
        raise ApiError(403, "revoked", "This staff account has been revoked.")
    if link.used_at is not None:
        raise ApiError(410, "link_used", "This sign-in link has already been used. Ask an organizer for a new one.")
    if link.expires_at <= utcnow():
        raise ApiError(410, "link_expired", "This sign-in link has expired. Ask an organizer for a new one.")
    return link, staff


def redeem_login_link(raw: str, device: str = "") -> str:
    """Use a link once (two taps race safely: only one UPDATE wins) and return a new session token."""
    link, staff = find_login_link(raw)
    token = _new_token()
    with session_scope() as s:
        used = s.exec(
            update(LoginLink).where(LoginLink.id == link.id, LoginLink.used_at.is_(None)).values(used_at=utcnow())
        )
        if used.rowcount != 1:
            raise ApiError(410, "link_used", "This sign-in link has already been used.")
        s.add(AuthToken(staff_id=staff.id, token_hash=hash_token(token), kind="session", label=device.strip()[:80]))
    return token


def revoke_staff(staff_id: int) -> Staff:
    """Revoke an account with all its tokens and unused links."""
    now = utcnow()
    with session_scope() as s:
        staff = s.get(Staff, staff_id)
        if staff is None:
            raise ApiError(404, "not_found", f"There is no staff member with id {staff_id}.")
        staff.revoked_at = staff.revoked_at or now
        s.exec(
            update(AuthToken)
            .where(AuthToken.staff_id == staff_id, AuthToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        s.exec(update(LoginLink).where(LoginLink.staff_id == staff_id, LoginLink.used_at.is_(None)).values(used_at=now))
        s.add(staff)
    forget_cached_tokens()  # after the commit: a request in between cannot cache the old answer again
    return staff


def revoke_token(token_id: int) -> None:
    with session_scope() as s:
        s.exec(
            update(AuthToken)
            .where(AuthToken.id == token_id, AuthToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    forget_cached_tokens()


def purge_staff(s) -> dict[str, int]:
    """After the event: every account is revoked and nameless; links and tokens are deleted."""
    links = s.exec(delete(LoginLink)).rowcount
    tokens = s.exec(delete(AuthToken)).rowcount
    now = utcnow()
    staff = s.exec(update(Staff).values(name="Staff " + cast(Staff.id, String), revoked_at=now)).rowcount
    forget_cached_tokens()
    return {"staff accounts revoked and made anonymous": staff, "sign-in links and tokens": links + tokens}


def list_staff() -> list[Staff]:
    with session_scope() as s:
        return list(s.exec(select(Staff).order_by(Staff.id)))
