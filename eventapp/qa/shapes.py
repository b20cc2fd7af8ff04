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


def status_counts(questions: list[Question], muted: set[str]) -> dict[str, int]:
    counts = {"visible": 0, "answered": 0, "pending": 0}
    for q in questions:
        if q.voter_id not in muted and q.status in counts:
            counts[q.status] += 1
    return counts
