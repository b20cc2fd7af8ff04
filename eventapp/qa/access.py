"""Who may do what on a Q&A board: the slot's and question's context (room, session), the moderator rule, the room
or 404, the moderator channel's check, and the policy's refusals as API errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import select

from ..auth import Principal, principal_for_token_id
from ..db import session_scope
from ..errors import ApiError, not_found, unauthenticated
from ..program.models import Room, Slot
from ..program.models import Session as ProgramSession
from ..program.service import list_rooms
from . import policy
from .models import Question


@contextmanager
def policy_refusals() -> Iterator[None]:
    """`with policy_refusals():` the policy's refusals (PolicyError) become the API errors they stand for."""
    try:
        yield
    except policy.PolicyError as err:
        raise ApiError(err.status, err.code, err.message, retry_after=getattr(err, "retry_after", None)) from err


def room_or_404(room_id: str) -> Room:
    """The room, or 404: every Q&A page and the stage channel are per room."""
    rooms = {r.id: r for r in list_rooms()}
    if room_id not in rooms:
        raise not_found("room", room_id)
    return rooms[room_id]


@dataclass(frozen=True)
class SlotContext:
    slot_id: str
    session_id: str
    room_id: str
    title: str
    starts_at: datetime


def slot_context(s: DbSession, slot_id: str) -> SlotContext:
    row = s.exec(
        select(Slot, ProgramSession.room_id)
        .join(ProgramSession, ProgramSession.id == Slot.session_id)
        .where(Slot.id == slot_id)
    ).first()
    if row is None:
        raise not_found("slot", slot_id)
    slot, room_id = row
    return SlotContext(slot.id, slot.session_id, room_id, slot.title, slot.starts_at)


def session_room(s: DbSession, session_id: str) -> str:
    sess = s.get(ProgramSession, session_id)
    if sess is None:
        raise not_found("session", session_id)
    return sess.room_id


def can_moderate(principal: Principal, session_id: str, room_id: str) -> bool:
    """Organizers; the chair of the session's room; a co-moderator of exactly this session."""
    if not principal.is_staff:
        return False
    if principal.can_chair_room(room_id):
        return True
    return principal.role == "moderator" and session_id in principal.session_ids


def require_staff(principal: Principal) -> None:
    """The 401 of every moderator and organizer act, for a caller without valid staff credentials."""
    if not principal.is_staff:
        raise unauthenticated()


def check_moderator(principal: Principal, session_id: str, room_id: str) -> None:
    require_staff(principal)
    if not can_moderate(principal, session_id, room_id):
        raise ApiError(403, "forbidden", "Only this session's chair, its moderators or an organizer may do this.")


def can_manage_moderators(principal: Principal, room_id: str) -> bool:
    return principal.is_staff and principal.can_chair_room(room_id)


def question_context(s: DbSession, question_id: int) -> tuple[Question, SlotContext]:
    q = s.get(Question, question_id)
    if q is None:
        raise not_found("question", question_id)
    return q, slot_context(s, q.slot_id)


def allow_mod_channel(who: Principal, slot_id: str) -> bool:
    fresh = principal_for_token_id(who.token_id) if who.is_staff else None
    if fresh is None:
        return False
    with session_scope() as s:
        try:
            ctx = slot_context(s, slot_id)
        except ApiError:
            return True  # the snapshot answers 404
    return can_moderate(fresh, ctx.session_id, ctx.room_id)
