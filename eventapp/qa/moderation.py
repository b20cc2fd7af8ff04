"""Moderating a board: a question's status, text, star and highlight; premoderation; closing the board;
shadow-muting an asker; the organizers' flag-word list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import select

from ..auth import Principal, check_role
from ..db import session_scope, utcnow
from ..errors import ApiError
from ..program.models import Slot
from ..realtime import publish
from . import policy
from .access import check_moderator, policy_refusals, question_context, session_room, slot_context
from .board import flag_words, muted_voters, slot_questions
from .models import QaBoard, QaMute, QaSessionSettings, QaWordList, Question, Vote
from .push import mod_channel, public_channel, publish_change, publish_counts, publish_stage, push_votes_soon
from .schemas import ModerateBody
from .shapes import mod_json, settings_json, status_counts, voter_tag


def moderate(question_id: int, principal: Principal, changes: ModerateBody) -> dict[str, Any]:
    """PATCH a question: status, highlighted (one per slot), text (the original kept), starred."""
    given = changes.model_fields_set
    with policy_refusals():
        status = policy.clean_status(changes.status) if "status" in given else None
        text = policy.clean_question_text(changes.text) if "text" in given else None
    now = utcnow()
    others: list[tuple[Question, bool]] = []
    with session_scope() as s:
        q, ctx = question_context(s, question_id)
        check_moderator(principal, ctx.session_id, ctx.room_id)
        muted = muted_voters(s)
        was_public = policy.is_public(q.status, q.voter_id in muted)
        fields: set[str] = set()
        if status is not None and status != q.status:
            q.status = status
            q.answered_at = now if status == "answered" else q.answered_at
            fields.add("status")
            if status in ("hidden", "pending") and q.highlighted:
                q.highlighted = False
                fields.add("highlighted")
        if text is not None and text != q.text:
            q.original_text = q.original_text if q.original_text is not None else q.text
            q.text = text
            fields |= {"text", "edited", "original_text"}
        if "starred" in given and changes.starred != q.starred:
            q.starred = changes.starred
            fields.add("starred")
        if "highlighted" in given and changes.highlighted != q.highlighted:
            if changes.highlighted and q.status not in policy.PUBLIC_STATUSES:
                raise ApiError(409, "not_public", "Approve the question before putting it on screen.")
            q.highlighted = changes.highlighted
            fields.add("highlighted")
            if q.highlighted:
                for other in s.exec(
                    select(Question).where(Question.slot_id == q.slot_id, Question.highlighted, Question.id != q.id)
                ):
                    other.highlighted = False
                    s.add(other)
                    others.append((other, policy.is_public(other.status, other.voter_id in muted)))
        q.updated_at = now
        s.add(q)
        counts = None
        if "status" in fields:
            s.flush()
            counts = status_counts(slot_questions(s, q.slot_id), muted)
    for other, other_public in others:
        publish_change(other, muted, other_public, {"highlighted"})
    if fields:
        publish_change(q, muted, was_public, fields, counts)
    if "highlighted" in fields or (q.highlighted and fields & {"text", "status"}):
        publish_stage(ctx.room_id)
    return mod_json(q, muted)


def set_premoderation(session_id: str, principal: Principal, on: bool) -> dict[str, Any]:
    with session_scope() as s:
        room_id = session_room(s, session_id)
        check_moderator(principal, session_id, room_id)
        row = s.get(QaSessionSettings, session_id) or QaSessionSettings(session_id=session_id)
        row.premoderation = on
        s.add(row)
        slots = list(s.exec(select(Slot.id).where(Slot.session_id == session_id)))
    for slot_id in slots:
        payload = settings_json(slot_id, premoderation=on)
        publish(public_channel(slot_id), "qa_board", payload)
        publish(mod_channel(slot_id), "qa_board", payload)
    return {"session_id": session_id, "premoderation": on}


def set_closed(slot_id: str, principal: Principal, closed: bool) -> dict[str, Any]:
    with session_scope() as s:
        ctx = slot_context(s, slot_id)
        check_moderator(principal, ctx.session_id, ctx.room_id)
        row = s.get(QaBoard, slot_id) or QaBoard(slot_id=slot_id)
        row.closed, row.updated_at = closed, utcnow()
        s.add(row)
    payload = settings_json(slot_id, closed=closed)
    publish(public_channel(slot_id), "qa_board", payload)
    publish(mod_channel(slot_id), "qa_board", payload)
    return payload


def set_muted(question_id: int, principal: Principal, mute: bool) -> dict[str, Any]:
    """Shadow-mute (or unmute) the asker of a question: their questions vanish for everyone else and every vote
    they cast stops counting (recounted in SQL from the vote rows)."""
    with session_scope() as s:
        q, ctx = question_context(s, question_id)
        check_moderator(principal, ctx.session_id, ctx.room_id)
        voter = q.voter_id
        before = muted_voters(s)
        row = s.get(QaMute, voter)
        if mute and row is None:
            s.add(QaMute(voter_id=voter, muted_by=principal.staff_id))
        elif not mute and row is not None:
            s.delete(row)
        s.flush()
        s.execute(update(Vote).where(Vote.voter_id == voter).values(counted=not mute))
        voted_ids = list(s.exec(select(Vote.question_id).where(Vote.voter_id == voter)))
        if voted_ids:
            recount = (
                sa_select(func.count())
                .select_from(Vote)
                .where(Vote.question_id == Question.id, Vote.counted)
                .scalar_subquery()
            )
            s.execute(update(Question).where(Question.id.in_(voted_ids)).values(votes=recount))
        own = list(s.exec(select(Question).where(Question.voter_id == voter)))
        voted = list(s.exec(select(Question).where(Question.id.in_(voted_ids)))) if voted_ids else []
        after = muted_voters(s)
    slots = set()
    for item in own:
        was_public = policy.is_public(item.status, voter in before)
        if was_public != policy.is_public(item.status, voter in after):
            publish_change(item, after, was_public)
        else:
            publish(mod_channel(item.slot_id), "question", {"id": item.id, "muted": mute})
        slots.add(item.slot_id)
    for item in voted:
        push_votes_soon(item.id, item.slot_id)
    for slot_id in slots:
        publish_counts(slot_id)
    return {"voter": voter_tag(voter), "muted": mute, "questions": len(own), "votes_affected": len(voted_ids)}


def get_words(principal: Principal) -> dict[str, Any]:
    check_role(principal, "chair", "moderator")  # 401 without staff credentials, 403 for another role
    with session_scope() as s:
        return {"words": flag_words(s)}


def set_words(principal: Principal, words: Any) -> dict[str, Any]:
    check_role(principal)  # organizers only
    with policy_refusals():
        clean = policy.clean_words(words)
    with session_scope() as s:
        row = s.get(QaWordList, 1) or QaWordList(id=1)
        row.words = clean
        s.add(row)
    return {"words": clean}
