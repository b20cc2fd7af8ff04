"""Cheap identities made harmless: a voter id carries the second it was minted, so what a brand-new identity does
can be told apart from what an established one does, without storing anything more.

- Questions from identities younger than FRESH_SECONDS share one budget per address (FRESH_QUESTIONS_PER_MINUTE):
  a hall behind one NAT asks as usual (its phones are minutes old by the time they ask, and 30 a minute is more
  than a moderator reads), a script that drops its cookie gets no further than the budget.
- Votes cast by identities in their first FRESH_SECONDS are "fresh"; a question whose votes are mostly fresh and
  many (PILEUP_MIN) is flagged on the moderator console, which can discount those votes (they stay recorded and
  count for nothing, like a shadow-muted voter's).

The voter id is inside the signed cookie, so its birth time cannot be forged; ids minted before this scheme have
no birth time and count as established.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from datetime import datetime

FRESH_SECONDS = 60
FRESH_QUESTIONS_PER_MINUTE = 30  # per address, for all its identities younger than FRESH_SECONDS together
PILEUP_MIN = 10  # fresh votes on one question before it is flagged
PILEUP_SHARE = 0.5  # ... and at least this share of its votes


def new_voter_id(now: float | None = None) -> str:
    """A random id (144 bits) with its birth second: '<random>.<unix seconds in hex>' (35 characters)."""
    born = int(time.time() if now is None else now)
    return f"{secrets.token_urlsafe(18)}.{born:x}"


def born_at(voter_id: str) -> float | None:
    """The second an id was minted, or None for an id without one."""
    _random, sep, stamp = voter_id.rpartition(".")
    if not sep or not 1 <= len(stamp) <= 12:
        return None
    try:
        return float(int(stamp, 16))
    except ValueError:
        return None


def is_fresh(voter_id: str, at: float | None = None) -> bool:
    born = born_at(voter_id)
    return born is not None and (time.time() if at is None else at) - born < FRESH_SECONDS


def fresh_vote(voter_id: str, cast_at: datetime) -> bool:
    """Whether a vote was cast within its voter's first FRESH_SECONDS."""
    return is_fresh(voter_id, cast_at.timestamp())


def count_fresh(votes: Iterable[tuple[int, str, datetime]]) -> dict[int, int]:
    """(question_id, voter_id, cast_at) of counted votes -> fresh votes per question."""
    out: dict[int, int] = {}
    for question_id, voter_id, cast_at in votes:
        if fresh_vote(voter_id, cast_at):
            out[question_id] = out.get(question_id, 0) + 1
    return out


def piled_on(fresh: int, votes: int) -> bool:
    """Many votes, mostly from identities that did not exist a minute before they voted."""
    return fresh >= PILEUP_MIN and fresh >= PILEUP_SHARE * max(votes, 1)
