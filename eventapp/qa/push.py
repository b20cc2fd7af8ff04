"""What Q&A pushes after a commit: the channel names, a question's compact delta, the counters, the stage's
question, and the coalesced vote counts (at most one count push per question per QA_VOTE_FLUSH_SECONDS, longer
with a bigger hall; the latest count wins, read when the push goes)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlmodel import select

from ..coalesce import Coalescer
from ..db import session_scope
from ..realtime import connected_count, publish
from . import policy
from .board import highlighted_for_room, muted_voters, slot_questions
from .models import Question
from .shapes import counts_json, gone_json, mod_json, public_json, status_counts, votes_json

PUBLIC_PREFIX = "qa"
MOD_PREFIX = "qa-mod"


def public_channel(slot_id: str) -> str:
    return f"{PUBLIC_PREFIX}:{slot_id}"


def mod_channel(slot_id: str) -> str:
    return f"{MOD_PREFIX}:{slot_id}"


def publish_change(
    q: Question,
    muted: set[str],
    was_public: bool,
    fields: set[str] | None = None,
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
        publish(public_channel(q.slot_id), "question", {**gone_json(q), **extra})
        return True
    return False


def publish_counts(slot_id: str, counts: dict[str, int] | None = None, *, mod: bool = True) -> None:
    """The counters alone, when no question delta carried them."""
    if counts is None:
        with session_scope() as s:
            counts = status_counts(slot_questions(s, slot_id), muted_voters(s))
    payload = counts_json(slot_id, counts)
    publish(public_channel(slot_id), "qa_counts", payload)
    if mod:
        publish(mod_channel(slot_id), "qa_counts", payload)


def publish_stage(room_id: str) -> None:
    publish(f"qa-stage:{room_id}", "qa_stage", highlighted_for_room(room_id))


def flush_interval(base: float, sockets: int) -> float:
    """Each count push goes to every phone of the hall: with more sockets, push less often (1 s at 2,000)."""
    return min(2.0, base * max(1.0, sockets / 1000))


def flush_votes(batch: dict[Hashable, Any]) -> int:
    """Push the current count of every question voted on since the last flush: one delta per question (the
    batch's keys are question ids). The count is read now, so the latest wins."""
    if not batch:
        return 0
    with session_scope() as s:
        rows = s.exec(select(Question).where(Question.id.in_(list(batch)))).all()
        muted = muted_voters(s)
    for q in rows:
        delta = votes_json(q)
        publish(mod_channel(q.slot_id), "question", delta)
        if policy.is_public(q.status, q.voter_id in muted):
            publish(public_channel(q.slot_id), "question", delta)
    return len(rows)


class VoteCounts(Coalescer):
    """The coalescer whose delay grows with the hall (see flush_interval); 0 (tests) still pushes at once."""

    def delay(self) -> float:
        return flush_interval(super().delay(), connected_count())


vote_counts = VoteCounts("qa vote-count push", flush_votes, "QA_VOTE_FLUSH_SECONDS")


def push_votes_soon(question_id: int, slot_id: str) -> None:
    """After the commit: the question's count goes out with the next coalesced push."""
    vote_counts.add_items({question_id: slot_id})
