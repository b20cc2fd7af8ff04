"""Reading a board: its state (muted voters, premoderation, closed, flag words), the board as a reader sees it, the
room's current board (it follows the room's timer), the stage's question, the resync after a queue outage, and
the hints while typing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session as DbSession
from sqlmodel import select

from ..auth import Principal
from ..db import session_scope, utcnow
from ..program.service import slot_views
from ..realtime import channel_snapshot
from . import identity, policy
from .access import can_moderate, policy_refusals, slot_context
from .models import QaBoard, QaMute, QaSessionSettings, QaWordList, Question, Vote
from .shapes import counts_json, gone_json, marked, mod_json, public_json, settings_json, status_counts


def muted_voters(s: DbSession) -> set[str]:
    return set(s.exec(select(QaMute.voter_id)))


def premoderation_on(s: DbSession, session_id: str) -> bool:
    row = s.get(QaSessionSettings, session_id)
    return bool(row and row.premoderation)


def board_closed(s: DbSession, slot_id: str) -> bool:
    row = s.get(QaBoard, slot_id)
    return bool(row and row.closed)


def flag_words(s: DbSession) -> list[str]:
    row = s.get(QaWordList, 1)
    return list(row.words) if row else []


def slot_questions(s: DbSession, slot_id: str) -> list[Question]:
    return list(s.exec(select(Question).where(Question.slot_id == slot_id).order_by(Question.id)))


def similar_map(questions: list[Question]) -> dict[int, list[int]]:
    live = [(q.id, q.text) for q in questions if q.status != "hidden"]
    return {qid: policy.similar_ids(text, [(o, t) for o, t in live if o != qid]) for qid, text in live}


def fresh_vote_counts(slot_id: str) -> dict[int, int]:
    """Per question of the slot: its counted votes cast by identities in their first minute."""
    with session_scope() as s:
        rows = s.execute(
            sa_select(Vote.question_id, Vote.voter_id, Vote.created_at)
            .join(Question, Question.id == Vote.question_id)
            .where(Question.slot_id == slot_id, Vote.counted)
        ).all()
    return identity.count_fresh(rows)


def board(slot_id: str, principal: Principal, voter_id: str | None, sort: str | None = None) -> dict[str, Any]:
    """GET questions (and the snapshots): moderators get everything; the audience gets what is public plus their
    own questions still in review, with `mine` and `voted` marks."""
    with policy_refusals():
        mode = policy.clean_sort(sort)
    with session_scope() as s:
        ctx = slot_context(s, slot_id)
        questions = slot_questions(s, slot_id)
        muted = muted_voters(s)
        premod = premoderation_on(s, ctx.session_id)
        closed = board_closed(s, slot_id)
        voted = set()
        if voter_id:
            voted = set(
                s.exec(
                    select(Vote.question_id)
                    .join(Question, Question.id == Vote.question_id)
                    .where(Question.slot_id == slot_id, Vote.voter_id == voter_id)
                )
            )
    moderator = can_moderate(principal, ctx.session_id, ctx.room_id)
    now = utcnow()
    if moderator:
        similar = similar_map(questions)
        fresh = fresh_vote_counts(slot_id)
        shown = [
            mod_json(q, muted, similar.get(q.id), fresh.get(q.id, 0))
            for q in policy.sort_questions(questions, mode, now)
        ]
    else:
        # A shadow-muted asker still sees their own questions, as if nothing had happened.
        shown = [
            public_json(q)
            for q in policy.sort_questions(questions, mode, now)
            if policy.is_public(q.status, q.voter_id in muted) or (q.voter_id == voter_id and q.status != "hidden")
        ]
    own = {q.id for q in questions if voter_id is not None and q.voter_id == voter_id}
    shown = [marked(item, mine=item["id"] in own, voted=item["id"] in voted) for item in shown]
    return {
        "slot_id": slot_id,
        "session_id": ctx.session_id,
        "room_id": ctx.room_id,
        "title": ctx.title,
        "questions": shown,
        "counts": status_counts(questions, muted),
        "closed": closed,
        "premoderation": premod,
        "moderator": moderator,
        "sort": mode,
    }


def current_slot_id(room_id: str) -> str | None:
    """THE one place that decides which slot's board a room shows: the talk the room's timer is on (the chair's
    next/previous move it; an untouched timer follows the plan). During a break, the next talk's board (people
    ask ahead), else the last one's. The timer's slot is read from its public channel snapshot (`timer:<room>`,
    reused at most a second and dropped at each change), never from the timer's modules."""
    timer_slot = channel_snapshot("timer", room_id)["slot_id"]  # the timer's public state; it knows nothing of Q&A
    with session_scope() as s:
        views = slot_views(s, room_id)
    ids = [v.id for v in views]
    if timer_slot not in ids:
        return None
    at = ids.index(timer_slot)
    if views[at].kind != "break":
        return timer_slot
    later = [v.id for v in views[at + 1 :] if v.kind != "break"]
    earlier = [v.id for v in views[:at] if v.kind != "break"]
    return (later or earlier[-1:] or [timer_slot])[0]


def highlighted_for_room(room_id: str) -> dict[str, Any]:
    """The stage screen's question: the highlighted one of the room's current slot (or none)."""
    slot_id = current_slot_id(room_id)
    if slot_id is None:
        return {"room_id": room_id, "slot_id": None, "question": None}
    with session_scope() as s:
        q = s.exec(select(Question).where(Question.slot_id == slot_id, Question.highlighted)).first()
        muted = muted_voters(s)
    shown = public_json(q) if q is not None and policy.is_public(q.status, q.voter_id in muted) else None
    return {"room_id": room_id, "slot_id": slot_id, "question": shown}


# A board up to this size is resent whole after a queue outage; a bigger one only its questions asked, moderated or
# voted on since the outage began (each question is one broadcast to the whole hall).
RESYNC_WHOLE_BOARD = 60


def resync_events(slot_id: str, since: datetime | None = None, *, moderators: bool) -> list[tuple[str, dict[str, Any]]]:
    """A board's questions as `question` deltas, then its counters and settings: what the sockets of `qa:` (or
    `qa-mod:`) need after the message queue lost events. Public: a question no longer public goes as {id, status},
    which drops it from view (an asker keeps their own question in review)."""
    with session_scope() as s:
        ctx = slot_context(s, slot_id)
        questions = slot_questions(s, slot_id)
        muted = muted_voters(s)
        closed = board_closed(s, slot_id)
        premod = premoderation_on(s, ctx.session_id)
        voted = set()
        if since is not None and len(questions) > RESYNC_WHOLE_BOARD:
            voted = set(
                s.exec(
                    select(Vote.question_id)
                    .join(Question, Question.id == Vote.question_id)
                    .where(Question.slot_id == slot_id, Vote.created_at >= since)
                )
            )
    counts = status_counts(questions, muted)
    similar = similar_map(questions) if moderators else {}
    if since is not None and len(questions) > RESYNC_WHOLE_BOARD:
        questions = [q for q in questions if q.updated_at >= since or q.created_at >= since or q.id in voted]
    events: list[tuple[str, dict[str, Any]]] = []
    if moderators:
        events += [("question", mod_json(q, muted, similar.get(q.id))) for q in questions]
    else:
        for q in questions:
            public = policy.is_public(q.status, q.voter_id in muted)
            events.append(("question", public_json(q) if public else gone_json(q)))
    events.append(("qa_counts", counts_json(slot_id, counts)))
    events.append(("qa_board", settings_json(slot_id, closed=closed, premoderation=premod)))
    return events


def similar_questions(slot_id: str, text: str) -> list[dict[str, Any]]:
    """Hints while typing: public questions of the board that look like this text."""
    with session_scope() as s:
        slot_context(s, slot_id)
        questions = slot_questions(s, slot_id)
        muted = muted_voters(s)
    public = {q.id: q for q in questions if policy.is_public(q.status, q.voter_id in muted)}
    ids = policy.similar_ids(text, [(q.id, q.text) for q in public.values()])[:3]
    return [public_json(public[i]) for i in ids]
