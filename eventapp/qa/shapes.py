"""The JSON shapes of Q&A: a question as the hall sees it and as moderators see it, the board's counters, and the
pseudonym that stands for a voter. Built here once, sent by every path."""

from __future__ import annotations

import hashlib
from typing import Any

from . import identity
from .models import Question


def voter_tag(voter_id: str) -> str:
    """A short pseudonym of a voter for moderators and exports (the cookie's id itself never leaves)."""
    return hashlib.sha256(voter_id.encode()).hexdigest()[:8]


def public_json(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "slot_id": q.slot_id,
        "text": q.text,
        "name": q.name,
        "status": q.status,
        "votes": q.votes,
        "highlighted": q.highlighted,
        "origin": q.origin,
        "created_at": q.created_at.isoformat(),
        "edited": q.original_text is not None,
    }


def mod_json(q: Question, muted: set[str], similar_to: list[int] | None = None, fresh: int = 0) -> dict[str, Any]:
    """`fresh`: counted votes cast by identities in their first minute (qa/identity.py); many of them is a pile-up."""
    return {
        **public_json(q),
        "starred": q.starred,
        "flagged": q.flagged,
        "original_text": q.original_text,
        "voter": voter_tag(q.voter_id),
        "muted": q.voter_id in muted,
        "similar_to": similar_to or [],
        "answered_at": q.answered_at.isoformat() if q.answered_at else None,
        "fresh_votes": fresh,
        "vote_pileup": identity.piled_on(fresh, q.votes),
    }


def status_counts(questions: list[Question], muted: set[str]) -> dict[str, int]:
    counts = {"visible": 0, "answered": 0, "pending": 0}
    for q in questions:
        if q.voter_id not in muted and q.status in counts:
            counts[q.status] += 1
    return counts


def marked(item: dict[str, Any], *, mine: bool, voted: bool) -> dict[str, Any]:
    """A question as its reader sees it: with whether they asked it and whether they voted for it."""
    return {**item, "voted": voted, "mine": mine}


def gone_json(q: Question) -> dict[str, Any]:
    """A question that is no longer public, for the hall: its status alone drops it from view."""
    return {"id": q.id, "slot_id": q.slot_id, "status": q.status}


def votes_json(q: Question) -> dict[str, Any]:
    """A question's count, alone (the coalesced vote push)."""
    return {"id": q.id, "slot_id": q.slot_id, "votes": q.votes}


def counts_json(slot_id: str, counts: dict[str, int]) -> dict[str, Any]:
    """The `qa_counts` event: a board's visible, answered and pending counters."""
    return {"slot_id": slot_id, **counts}


def settings_json(slot_id: str, **settings: bool) -> dict[str, Any]:
    """The `qa_board` event: the board's `closed` and `premoderation`, or the one of them that changed."""
    return {"slot_id": slot_id, **settings}
