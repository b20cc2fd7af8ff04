"""Q&A service: every rule and limit for HTTP and socket paths alike. Transactions first, then publish.

Votes are rows unique per (question, voter); the count is changed in SQL (`votes = votes + 1`) in the same
transaction as the insert that succeeded, never read-modify-write. Vote pushes are coalesced per question by a
background flush (a few per second at most), since a hall voting at once would otherwise flood every phone.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session as DbSession
from sqlmodel import select

from .. import metrics, ratelimit
from ..auth import Principal, Staff, add_staff, issue_login_link, principal_for_token_id, revoke_staff
from ..db import session_scope, utcnow
from ..errors import ApiError, not_found
from ..program import schedule
from ..program.models import Event, Slot
from ..program.models import Session as ProgramSession
from ..program.service import slot_views
from ..realtime import connected_count, publish, socketio
from . import identity, policy
from .models import QaBoard, QaMute, QaSessionSettings, QaWordList, Question, Vote

log = logging.getLogger(__name__)

PUBLIC_PREFIX = "qa"
MOD_PREFIX = "qa-mod"
DEFAULT_FLUSH_SECONDS = 0.5  # two count pushes a second per question at most: a full hall costs little


def public_channel(slot_id: str) -> str:
    return f"{PUBLIC_PREFIX}:{slot_id}"


def mod_channel(slot_id: str) -> str:
    return f"{MOD_PREFIX}:{slot_id}"


def policy_error(err: policy.PolicyError) -> ApiError:
    return ApiError(err.status, err.code, err.message, retry_after=getattr(err, "retry_after", None))


# --- context and permissions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotContext:
    slot_id: str
    session_id: str
    room_id: str
    title: str
    starts_at: datetime


def slot_context(s: DbSession, slot_id: str) -> SlotContext:
    row = s.exec(
        select(Slot, ProgramSession.room_id).join(ProgramSession, ProgramSession.id == Slot.session_id)
        .where(Slot.id == slot_id)
    ).first()  # fmt: skip
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


def check_moderator(principal: Principal, session_id: str, room_id: str) -> None:
    if not principal.is_staff:
        raise ApiError(401, "unauthenticated", "Sign in with your staff link or send a valid Bearer token.")
    if not can_moderate(principal, session_id, room_id):
        raise ApiError(403, "forbidden", "Only this session's chair, its moderators or an organizer may do this.")


def can_manage_moderators(principal: Principal, room_id: str) -> bool:
    return principal.is_staff and principal.can_chair_room(room_id)


def _muted(s: DbSession) -> set[str]:
    return set(s.exec(select(QaMute.voter_id)))


def _premoderation(s: DbSession, session_id: str) -> bool:
    row = s.get(QaSessionSettings, session_id)
    return bool(row and row.premoderation)


def _closed(s: DbSession, slot_id: str) -> bool:
    row = s.get(QaBoard, slot_id)
    return bool(row and row.closed)


def _words(s: DbSession) -> list[str]:
    row = s.get(QaWordList, 1)
    return list(row.words) if row else []


# --- shapes -------------------------------------------------------------------------------------------------


def voter_tag(voter_id: str) -> str:
    """A short pseudonym of a voter for moderators and exports (the cookie's id itself never leaves)."""
    return hashlib.sha256(voter_id.encode()).hexdigest()[:8]


def public_json(q: Question) -> dict[str, Any]:
    return {
        "id": q.id, "slot_id": q.slot_id, "text": q.text, "name": q.name, "status": q.status, "votes": q.votes,
        "highlighted": q.highlighted, "origin": q.origin, "created_at": q.created_at.isoformat(),
        "edited": q.original_text is not None,
    }  # fmt: skip


def mod_json(q: Question, muted: set[str], similar_to: list[int] | None = None, fresh: int = 0) -> dict[str, Any]:
    """`fresh`: counted votes cast by identities in their first minute (qa/identity.py); many of them is a pile-up."""
    return {
        **public_json(q), "starred": q.starred, "flagged": q.flagged, "original_text": q.original_text,
        "voter": voter_tag(q.voter_id), "muted": q.voter_id in muted, "similar_to": similar_to or [],
        "answered_at": q.answered_at.isoformat() if q.answered_at else None,
        "fresh_votes": fresh, "vote_pileup": identity.piled_on(fresh, q.votes),
    }  # fmt: skip


def fresh_vote_counts(slot_id: str) -> dict[int, int]:
    """Per question of the slot: its counted votes cast by identities in their first minute."""
    with session_scope() as s:
        rows = s.execute(
            sa_select(Vote.question_id, Vote.voter_id, Vote.created_at)
            .join(Question, Question.id == Vote.question_id)
            .where(Question.slot_id == slot_id, Vote.counted)
        ).all()
    return identity.count_fresh(rows)


def _counts(questions: list[Question], muted: set[str]) -> dict[str, int]:
    counts = {"visible": 0, "answered": 0, "pending": 0}
    for q in questions:
        if q.voter_id not in muted and q.status in counts:
            counts[q.status] += 1
    return counts


def _similar_map(questions: list[Question]) -> dict[int, list[int]]:
    live = [(q.id, q.text) for q in questions if q.status != "hidden"]
    return {qid: policy.similar_ids(text, [(o, t) for o, t in live if o != qid]) for qid, text in live}


def _slot_questions(s: DbSession, slot_id: str) -> list[Question]:
    return list(s.exec(select(Question).where(Question.slot_id == slot_id).order_by(Question.id)))


# --- reads -------------------------------------------------------------------------------------------------


def board(slot_id: str, principal: Principal, voter_id: str | None, sort: str | None = None) -> dict[str, Any]:
    """GET questions (and the snapshots): moderators get everything; the audience gets what is public plus their
    own questions still in review, with `mine` and `voted` marks."""
    try:
        mode = policy.clean_sort(sort)
    except policy.PolicyError as err:
        raise policy_error(err) from err
    with session_scope() as s:
        ctx = slot_context(s, slot_id)
        questions = _slot_questions(s, slot_id)
        muted = _muted(s)
        premod = _premoderation(s, ctx.session_id)
        closed = _closed(s, slot_id)
        voted = set()
        if voter_id:
            voted = set(s.exec(
                select(Vote.question_id).join(Question, Question.id == Vote.question_id)
                .where(Question.slot_id == slot_id, Vote.voter_id == voter_id)
            ))  # fmt: skip
    moderator = can_moderate(principal, ctx.session_id, ctx.room_id)
    now = utcnow()
    if moderator:
        similar = _similar_map(questions)
        fresh = fresh_vote_counts(slot_id)
        shown = [mod_json(q, muted, similar.get(q.id), fresh.get(q.id, 0))
                 for q in policy.sort_questions(questions, mode, now)]  # fmt: skip
    else:
        # A shadow-muted asker still sees their own questions, as if nothing had happened.
        shown = [
            public_json(q) for q in policy.sort_questions(questions, mode, now)
            if policy.is_public(q.status, q.voter_id in muted) or (q.voter_id == voter_id and q.status != "hidden")
        ]  # fmt: skip
    own = {q.id for q in questions if voter_id is not None and q.voter_id == voter_id}
    for item in shown:
        item["voted"] = item["id"] in voted
        item["mine"] = item["id"] in own
    return {
        "slot_id": slot_id, "session_id": ctx.session_id, "room_id": ctx.room_id, "title": ctx.title,
        "questions": shown, "counts": _counts(questions, muted), "closed": closed, "premoderation": premod,
        "moderator": moderator, "sort": mode,
    }  # fmt: skip


def current_slot_id(room_id: str) -> str | None:
    """THE one place that decides which slot's board a room shows: the talk the room's timer is on (the chair's
    next/previous move it; an untouched timer follows the plan). During a break, the next talk's board (people
    ask ahead), else the last one's."""
    from ..timer.reads import get_timer  # Q&A follows the timer; the timer knows nothing of Q&A

    timer_slot = get_timer(room_id)["slot_id"]
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
        muted = _muted(s)
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
        questions = _slot_questions(s, slot_id)
        muted = _muted(s)
        closed = _closed(s, slot_id)
        premod = _premoderation(s, ctx.session_id)
        voted = set()
        if since is not None and len(questions) > RESYNC_WHOLE_BOARD:
            voted = set(s.exec(
                select(Vote.question_id).join(Question, Question.id == Vote.question_id)
                .where(Question.slot_id == slot_id, Vote.created_at >= since)
            ))  # fmt: skip
    counts = _counts(questions, muted)
    similar = _similar_map(questions) if moderators else {}
    if since is not None and len(questions) > RESYNC_WHOLE_BOARD:
        questions = [q for q in questions if q.updated_at >= since or q.created_at >= since or q.id in voted]
    events: list[tuple[str, dict[str, Any]]] = []
    if moderators:
        events += [("question", mod_json(q, muted, similar.get(q.id))) for q in questions]
    else:
        for q in questions:
            public = policy.is_public(q.status, q.voter_id in muted)
            events.append(("question", public_json(q) if public else {"id": q.id, "slot_id": slot_id,
                                                                       "status": q.status}))  # fmt: skip
    events.append(("qa_counts", {"slot_id": slot_id, **counts}))
    events.append(("qa_board", {"slot_id": slot_id, "closed": closed, "premoderation": premod}))
    return events


def similar_questions(slot_id: str, text: str) -> list[dict[str, Any]]:
    """Hints while typing: public questions of the board that look like this text."""
    with session_scope() as s:
        slot_context(s, slot_id)
        questions = _slot_questions(s, slot_id)
        muted = _muted(s)
    public = {q.id: q for q in questions if policy.is_public(q.status, q.voter_id in muted)}
    ids = policy.similar_ids(text, [(q.id, q.text) for q in public.values()])[:3]
    return [public_json(public[i]) for i in ids]


# --- publishing (after commit) ---------------------------------------------------------------------------------


def _publish_change(
    q: Question, muted: set[str], was_public: bool, fields: set[str] | None = None,
    counts: dict[str, int] | None = None,
) -> bool:
    """A compact delta: the changed fields (or the whole question) on qa-mod; on qa, the question when it is
    public, or {id, status} when it stops being public. Changed counters ride along in the same event (one
    broadcast to a full hall, not two). Returns whether the public channel got the delta."""
    extra = {"counts": counts} if counts is not None else {}
    full_mod = mod_json(q, muted)
    mod_body = full_mod if fields is None else {k: full_mod[k] for k in {"id", "slot_id", *fields} if k in full_mod}
    publish(mod_channel(q.slot_id), "question", {**mod_body, **extra})
    now_public = policy.is_public(q.status, q.voter_id in muted)
    if now_public:
        body = public_json(q)
        if was_public and fields is not None:
            if not fields & body.keys() and not extra:
                return False  # a private change (a star): nothing for the hall
            body = {k: body[k] for k in {"id", "slot_id", "status", *fields} if k in body}
        publish(public_channel(q.slot_id), "question", {**body, **extra})
        return True
    if was_public or (fields is not None and "status" in fields):
        publish(public_channel(q.slot_id), "question", {"id": q.id, "slot_id": q.slot_id, "status": q.status, **extra})
        return True
    return False


def _publish_counts(slot_id: str, counts: dict[str, int] | None = None, *, mod: bool = True) -> None:
    """The counters alone, when no question delta carried them."""
    if counts is None:
        with session_scope() as s:
            counts = _counts(_slot_questions(s, slot_id), _muted(s))
    payload = {"slot_id": slot_id, **counts}
    publish(public_channel(slot_id), "qa_counts", payload)
    if mod:
        publish(mod_channel(slot_id), "qa_counts", payload)


# --- asking ----------------------------------------------------------------------------------------------------


def ask(slot_id: str, voter_id: str, text: Any, name: Any = None, origin: Any = None) -> dict[str, Any]:
    try:
        clean = policy.clean_question_text(text)
        clean_name = policy.clean_name(name)
        clean_origin = policy.clean_origin(origin)
    except policy.PolicyError as err:
        raise policy_error(err) from err
    now = utcnow()
    with session_scope() as s:  # BEGIN IMMEDIATE: the limit checks and the insert are one step
        ctx = slot_context(s, slot_id)
        if _closed(s, slot_id):
            raise ApiError(409, "board_closed", "Questions for this talk are closed.")
        last = s.exec(select(func.max(Question.created_at)).where(Question.voter_id == voter_id)).one()
        pending = s.exec(
            select(func.count()).select_from(Question)
            .where(Question.voter_id == voter_id, Question.status == "pending")
        ).one()  # fmt: skip
        try:
            policy.check_can_ask(last_asked=last, pending=pending, now=now)
        except policy.PolicyError as err:
            raise policy_error(err) from err
        flagged = bool(policy.flagged_words(clean, _words(s)))
        status = policy.initial_status(premoderation=_premoderation(s, ctx.session_id), flagged=flagged)
        q = Question(slot_id=slot_id, voter_id=voter_id, text=clean, name=clean_name, origin=clean_origin,
                     status=status, flagged=flagged, created_at=now, updated_at=now)  # fmt: skip
        s.add(q)
        s.flush()
        s.refresh(q)
        muted = _muted(s)
        board_questions = _slot_questions(s, slot_id)
        counts = _counts(board_questions, muted)
        similar = policy.similar_ids(clean, [(o.id, o.text) for o in board_questions
                                             if o.id != q.id and o.status != "hidden"])  # fmt: skip
    metrics.QUESTIONS.inc()
    log.info("question", extra={"fields": {"slot_id": slot_id, "question_id": q.id, "status": q.status,
                                           "flagged": flagged}})  # fmt: skip
    publish(mod_channel(slot_id), "question", {**mod_json(q, muted, similar), "counts": counts})
    if policy.is_public(q.status, voter_id in muted):
        publish(public_channel(slot_id), "question", {**public_json(q), "counts": counts})
    else:
        _publish_counts(slot_id, counts, mod=False)
    return {**public_json(q), "mine": True, "voted": False}


# --- voting ----------------------------------------------------------------------------------------------------


def _insert_ignore(s: DbSession, values: dict[str, Any]) -> bool:
    """Insert the vote unless this voter's is there; True when this call inserted it. RETURNING tells, where
    rowcount does not (psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING)."""
    dialect = s.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        maker(Vote).values(**values)
        .on_conflict_do_nothing(index_elements=["question_id", "voter_id"])
        .returning(Vote.question_id)
    )  # fmt: skip
    return s.execute(stmt).first() is not None


def vote(question_id: int, voter_id: str, up: bool) -> dict[str, Any]:
    """Add (or take back) this voter's vote. Repeats change nothing and answer the same."""
    ratelimit.hit(f"{policy.VOTES_PER_MINUTE}/minute", "qa-vote", voter_id,
                  message="That is a lot of votes. Wait a moment.")  # fmt: skip
    with session_scope() as s:
        q = s.get(Question, question_id)
        if q is None:
            raise not_found("question", question_id)
        muted_ids = _muted(s)
        muted = voter_id in muted_ids
        if up:
            if q.status != "visible" or (q.voter_id in muted_ids and q.voter_id != voter_id):
                raise ApiError(409, "not_votable", "Only open questions can be upvoted.")
            if _closed(s, q.slot_id):
                raise ApiError(409, "board_closed", "Questions for this talk are closed.")
            inserted = _insert_ignore(s, {"question_id": question_id, "voter_id": voter_id, "counted": not muted,
                                          "created_at": utcnow()})  # fmt: skip
            changed = inserted and not muted
            if changed:
                s.execute(update(Question).where(Question.id == question_id).values(votes=Question.votes + 1))
        else:
            counted = s.execute(
                sa_select(Vote.counted).where(Vote.question_id == question_id, Vote.voter_id == voter_id)
            ).scalar()  # fmt: skip
            result = s.execute(
                Vote.__table__.delete().where(and_(Vote.question_id == question_id, Vote.voter_id == voter_id))
            )  # fmt: skip
            changed = result.rowcount == 1 and bool(counted)
            if changed:
                s.execute(update(Question).where(Question.id == question_id).values(votes=Question.votes - 1))
        votes = s.execute(sa_select(Question.votes).where(Question.id == question_id)).scalar_one()
        slot_id = q.slot_id
    if changed:
        metrics.VOTES.labels(change="up" if up else "down").inc()
        mark_votes_dirty(question_id, slot_id)
    return {"id": question_id, "question_id": question_id, "votes": votes, "voted": up}


# --- coalesced vote pushes --------------------------------------------------------------------------------------

_dirty: dict[int, str] = {}
_dirty_lock = threading.Lock()
_flusher_started = False


def _flush_seconds() -> float:
    default = 0.0 if current_app.testing else DEFAULT_FLUSH_SECONDS
    return float(current_app.config.get("QA_VOTE_FLUSH_SECONDS", default))


def mark_votes_dirty(question_id: int, slot_id: str) -> None:
    """Queue a count push; with no flush interval configured (tests), push at once."""
    with _dirty_lock:
        _dirty[question_id] = slot_id
    if _flush_seconds() <= 0:
        flush_votes()
    else:
        _ensure_flusher()


def _ensure_flusher() -> None:
    global _flusher_started
    with _dirty_lock:
        if _flusher_started:
            return
        _flusher_started = True
    socketio.start_background_task(_flush_loop, current_app._get_current_object(), _flush_seconds())


def flush_interval(base: float, sockets: int) -> float:
    """Each count push goes to every phone of the hall: with more sockets, push less often (1 s at 2,000)."""
    return min(2.0, base * max(1.0, sockets / 1000))


def _flush_loop(app, interval: float) -> None:
    while True:
        socketio.sleep(flush_interval(interval, connected_count()))
        try:
            with app.app_context():
                flush_votes()
        except Exception:  # a failed flush must not end the loop; the next one retries with fresh counts
            log.exception("vote flush failed")


def flush_votes() -> int:
    """Push the current count of every question voted on since the last flush: one delta per question."""
    with _dirty_lock:
        batch = dict(_dirty)
        _dirty.clear()
    if not batch:
        return 0
    with session_scope() as s:
        rows = s.exec(select(Question).where(Question.id.in_(list(batch)))).all()
        muted = _muted(s)
    for q in rows:
        delta = {"id": q.id, "slot_id": q.slot_id, "votes": q.votes}
        publish(mod_channel(q.slot_id), "question", delta)
        if policy.is_public(q.status, q.voter_id in muted):
            publish(public_channel(q.slot_id), "question", delta)
    return len(rows)


# --- moderation --------------------------------------------------------------------------------------------------


def _question_context(s: DbSession, question_id: int) -> tuple[Question, SlotContext]:
    q = s.get(Question, question_id)
    if q is None:
        raise not_found("question", question_id)
    return q, slot_context(s, q.slot_id)


def moderate(question_id: int, principal: Principal, changes: Any) -> dict[str, Any]:
    """PATCH a question: status, highlighted (one per slot), text (the original kept), starred."""
    if not isinstance(changes, dict) or not changes:
        raise ApiError(400, "invalid_body", "Send a JSON object with status, highlighted, text or starred.")
    unknown = set(changes) - {"status", "highlighted", "text", "starred"}
    if unknown:
        raise ApiError(400, "invalid_field", f"Unknown field(s): {', '.join(sorted(unknown))}.")
    for key in ("highlighted", "starred"):
        if key in changes and not isinstance(changes[key], bool):
            raise ApiError(400, "invalid_field", f"{key} is true or false.")
    try:
        status = policy.clean_status(changes["status"]) if "status" in changes else None
        text = policy.clean_question_text(changes["text"]) if "text" in changes else None
    except policy.PolicyError as err:
        raise policy_error(err) from err
    now = utcnow()
    others: list[tuple[Question, bool]] = []
    with session_scope() as s:
        q, ctx = _question_context(s, question_id)
        check_moderator(principal, ctx.session_id, ctx.room_id)
        muted = _muted(s)
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
        if "starred" in changes and changes["starred"] != q.starred:
            q.starred = changes["starred"]
            fields.add("starred")
        if "highlighted" in changes and changes["highlighted"] != q.highlighted:
            if changes["highlighted"] and q.status not in policy.PUBLIC_STATUSES:
                raise ApiError(409, "not_public", "Approve the question before putting it on screen.")
            q.highlighted = changes["highlighted"]
            fields.add("highlighted")
            if q.highlighted:
                for other in s.exec(select(Question).where(Question.slot_id == q.slot_id, Question.highlighted,
                                                           Question.id != q.id)):  # fmt: skip
                    other.highlighted = False
                    s.add(other)
                    others.append((other, policy.is_public(other.status, other.voter_id in muted)))
        q.updated_at = now
        s.add(q)
        counts = None
        if "status" in fields:
            s.flush()
            counts = _counts(_slot_questions(s, q.slot_id), muted)
    for other, other_public in others:
        _publish_change(other, muted, other_public, {"highlighted"})
    if fields:
        _publish_change(q, muted, was_public, fields, counts)
    if "highlighted" in fields or (q.highlighted and fields & {"text", "status"}):
        _publish_stage(ctx.room_id)
    return mod_json(q, muted)


def _publish_stage(room_id: str) -> None:
    publish(f"qa-stage:{room_id}", "qa_stage", highlighted_for_room(room_id))


def set_premoderation(session_id: str, principal: Principal, on: Any) -> dict[str, Any]:
    if not isinstance(on, bool):
        raise ApiError(400, "invalid_field", "premoderation is true or false.")
    with session_scope() as s:
        room_id = session_room(s, session_id)
        check_moderator(principal, session_id, room_id)
        row = s.get(QaSessionSettings, session_id) or QaSessionSettings(session_id=session_id)
        row.premoderation = on
        s.add(row)
        slots = list(s.exec(select(Slot.id).where(Slot.session_id == session_id)))
    for slot_id in slots:
        payload = {"slot_id": slot_id, "premoderation": on}
        publish(public_channel(slot_id), "qa_board", payload)
        publish(mod_channel(slot_id), "qa_board", payload)
    return {"session_id": session_id, "premoderation": on}


def set_closed(slot_id: str, principal: Principal, closed: Any) -> dict[str, Any]:
    if not isinstance(closed, bool):
        raise ApiError(400, "invalid_field", "closed is true or false.")
    with session_scope() as s:
        ctx = slot_context(s, slot_id)
        check_moderator(principal, ctx.session_id, ctx.room_id)
        row = s.get(QaBoard, slot_id) or QaBoard(slot_id=slot_id)
        row.closed, row.updated_at = closed, utcnow()
        s.add(row)
    payload = {"slot_id": slot_id, "closed": closed}
    publish(public_channel(slot_id), "qa_board", payload)
    publish(mod_channel(slot_id), "qa_board", payload)
    return payload


def set_muted(question_id: int, principal: Principal, mute: bool) -> dict[str, Any]:
    """Shadow-mute (or unmute) the asker of a question: their questions vanish for everyone else and every vote
    they cast stops counting (recounted in SQL from the vote rows)."""
    with session_scope() as s:
        q, ctx = _question_context(s, question_id)
        check_moderator(principal, ctx.session_id, ctx.room_id)
        voter = q.voter_id
        before = _muted(s)
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
                sa_select(func.count()).select_from(Vote)
                .where(Vote.question_id == Question.id, Vote.counted).scalar_subquery()
            )  # fmt: skip
            s.execute(update(Question).where(Question.id.in_(voted_ids)).values(votes=recount))
        own = list(s.exec(select(Question).where(Question.voter_id == voter)))
        voted = list(s.exec(select(Question).where(Question.id.in_(voted_ids)))) if voted_ids else []
        after = _muted(s)
    slots = set()
    for item in own:
        was_public = policy.is_public(item.status, voter in before)
        if was_public != policy.is_public(item.status, voter in after):
            _publish_change(item, after, was_public)
        else:
            publish(mod_channel(item.slot_id), "question", {"id": item.id, "muted": mute})
        slots.add(item.slot_id)
    for item in voted:
        mark_votes_dirty(item.id, item.slot_id)
    for slot_id in slots:
        _publish_counts(slot_id)
    return {"voter": voter_tag(voter), "muted": mute, "questions": len(own), "votes_affected": len(voted_ids)}


def get_words(principal: Principal) -> dict[str, Any]:
    if not principal.has_role("chair", "moderator"):
        raise ApiError(403 if principal.is_staff else 401, "forbidden", "Staff only.")
    with session_scope() as s:
        return {"words": _words(s)}


def set_words(principal: Principal, words: Any) -> dict[str, Any]:
    if not principal.has_role():  # organizers only
        raise ApiError(403 if principal.is_staff else 401, "forbidden", "Only an organizer may edit the word list.")
    try:
        clean = policy.clean_words(words)
    except policy.PolicyError as err:
        raise policy_error(err) from err
    with session_scope() as s:
        row = s.get(QaWordList, 1) or QaWordList(id=1)
        row.words = clean
        s.add(row)
    return {"words": clean}


# --- co-moderators ------------------------------------------------------------------------------------------------


def _check_manager(principal: Principal, session_id: str) -> str:
    with session_scope() as s:
        room_id = session_room(s, session_id)
    if not principal.is_staff:
        raise ApiError(401, "unauthenticated", "Sign in with your staff link or send a valid Bearer token.")
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


def add_moderator(session_id: str, principal: Principal, name: Any) -> dict[str, Any]:
    _check_manager(principal, session_id)
    if not isinstance(name, str) or not policy.normalize_text(name):
        raise ApiError(400, "invalid_name", "Give the co-moderator a name (1 to 200 characters).")
    member = add_staff(policy.normalize_text(name)[:200], "moderator", session_ids=[session_id])
    return {"id": member.id, "name": member.name, "session_id": session_id, "login_url": issue_login_link(member.id)}


def remove_moderator(session_id: str, principal: Principal, staff_id: int) -> dict[str, Any]:
    _check_manager(principal, session_id)
    if staff_id not in {m.id for m in _session_moderators(session_id)}:
        raise not_found("moderator of this session", staff_id)
    revoke_staff(staff_id)
    return {"id": staff_id, "revoked": True}


# --- channels --------------------------------------------------------------------------------------------------


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


# --- export ------------------------------------------------------------------------------------------------------

EXPORT_FIELDS = (
    "id",
    "slot_id",
    "slot_title",
    "session_id",
    "created_at",
    "status",
    "votes",
    "highlighted",
    "starred",
    "flagged",
    "origin",
    "name",
    "text",
    "original_text",
    "voter",
    "muted",
    "answered_at",
)


def export_rows(slot_id: str | None = None, unanswered: bool = False) -> list[dict[str, Any]]:
    """A slot's (or the whole day's) questions, for organizers; `unanswered`: the ones not reached, for the speaker
    (open and public, most votes first)."""
    with session_scope() as s:
        event = s.exec(select(Event)).first()
        tz = event.timezone if event else "UTC"
        query = select(Question, Slot.title, Slot.session_id).join(Slot, Slot.id == Question.slot_id)
        if slot_id is not None:
            slot_context(s, slot_id)
            query = query.where(Question.slot_id == slot_id)
        rows = s.exec(query.order_by(Slot.starts_at, Question.id)).all()
        muted = _muted(s)
    out = []
    for q, title, session_id in rows:
        if unanswered and not (q.status == "visible" and q.voter_id not in muted):
            continue
        out.append({
            "id": q.id, "slot_id": q.slot_id, "slot_title": title, "session_id": session_id,
            "created_at": schedule.local_iso(q.created_at, tz), "status": q.status, "votes": q.votes,
            "highlighted": q.highlighted, "starred": q.starred, "flagged": q.flagged, "origin": q.origin,
            "name": q.name, "text": q.text, "original_text": q.original_text, "voter": voter_tag(q.voter_id),
            "muted": q.voter_id in muted, "answered_at": schedule.local_iso(q.answered_at, tz),
        })  # fmt: skip
    if unanswered:
        out.sort(key=lambda r: (r["slot_id"], -r["votes"], r["id"]))
    return out


def check_export(principal: Principal, slot_id: str | None) -> None:
    """The whole day: organizers. One slot: anyone who moderates it (the chair hands the list to the speaker)."""
    if slot_id is None:
        if not principal.is_staff:
            raise ApiError(401, "unauthenticated", "Sign in with your staff link or send a valid Bearer token.")
        if not principal.has_role():
            raise ApiError(403, "forbidden", "Only an organizer may export the whole day.")
        return
    with session_scope() as s:
        ctx = slot_context(s, slot_id)
    check_moderator(principal, ctx.session_id, ctx.room_id)
