"""A session's co-moderators: staff accounts limited to that session, managed by organizers and the room's
chair."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from ..auth import Principal, Staff, add_staff, issue_login_link, revoke_staff
from ..db import session_scope
from ..errors import ApiError, not_found
from . import policy
from .access import can_manage_moderators, require_staff, session_room


def _check_manager(principal: Principal, session_id: str) -> str:
    with session_scope() as s:
        room_id = session_room(s, session_id)
    require_staff(principal)
    if not can_manage_moderators(principal, room_id):
        raise ApiError(403, "forbidden", "Only an organizer or the room's chair may manage moderators.")
    return room_id


def _session_moderators(session_id: str) -> list[Staff]:
    with session_scope() as s:
        rows = s.exec(select(Staff).where(Staff.role == "moderator", Staff.revoked_at.is_(None))).all()
    return [m for m in rows if session_id in (m.session_ids or [])]


def list_moderators(session_id: str, principal: Principal) -> dict[str, Any]:
    _check_manager(principal, session_id)
    return {"moderators": [{"id": m.id, "name": m.name} for m in _session_moderators(session_id)]}


def add_moderator(session_id: str, principal: Principal, name: str) -> dict[str, Any]:
    _check_manager(principal, session_id)
    if not policy.normalize_text(name):
        raise ApiError(400, "invalid_name", "Give the co-moderator a name (1 to 200 characters).")
    member = add_staff(policy.normalize_text(name)[:200], "moderator", session_ids=[session_id])
    return {"id": member.id, "name": member.name, "session_id": session_id, "login_url": issue_login_link(member.id)}


def remove_moderator(session_id: str, principal: Principal, staff_id: int) -> dict[str, Any]:
    _check_manager(principal, session_id)
    if staff_id not in {m.id for m in _session_moderators(session_id)}:
        raise not_found("moderator of this session", staff_id)
    revoke_staff(staff_id)
    return {"id": staff_id, "revoked": True}
