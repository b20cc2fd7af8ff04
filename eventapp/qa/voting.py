"""Voting: one row per (question, voter), the count changed in SQL in the same transaction as the row (never
read-modify-write); the count's push is coalesced (qa/push.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session as DbSession

from .. import metrics, ratelimit
from ..db import session_scope, utcnow
from ..errors import ApiError, not_found
from . import policy
from .board import board_closed, muted_voters
from .models import Question, Vote
from .push import push_votes_soon


def _insert_ignore(s: DbSession, values: dict[str, Any]) -> bool:
    """Insert the vote unless this voter's is there; True when this call inserted it. RETURNING tells, where
    rowcount does not (psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING)."""
    dialect = s.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        maker(Vote)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["question_id", "voter_id"])
        .returning(Vote.question_id)
    )
    return s.execute(stmt).first() is not None


def vote(question_id: int, voter_id: str, up: bool) -> dict[str, Any]:
    """Add (or take back) this voter's vote. Repeats change nothing and answer the same."""
    ratelimit.hit(
        f"{policy.VOTES_PER_MINUTE}/minute", "qa-vote", voter_id, message="That is a lot of votes. Wait a moment."
    )
    with session_scope() as s:
        q = s.get(Question, question_id)
        if q is None:
            raise not_found("question", question_id)
        muted_ids = muted_voters(s)
        muted = voter_id in muted_ids
        if up:
            if q.status != "visible" or (q.voter_id in muted_ids and q.voter_id != voter_id):
                raise ApiError(409, "not_votable", "Only open questions can be upvoted.")
            if board_closed(s, q.slot_id):
                raise ApiError(409, "board_closed", "Questions for this talk are closed.")
            inserted = _insert_ignore(
                s, {"question_id": question_id, "voter_id": voter_id, "counted": not muted, "created_at": utcnow()}
            )
            changed = inserted and not muted
            if changed:
                s.execute(update(Question).where(Question.id == question_id).values(votes=Question.votes + 1))
        else:
            counted = s.execute(
                sa_select(Vote.counted).where(Vote.question_id == question_id, Vote.voter_id == voter_id)
            ).scalar()
            result = s.execute(
                Vote.__table__.delete().where(and_(Vote.question_id == question_id, Vote.voter_id == voter_id))
            )
            changed = result.rowcount == 1 and bool(counted)
            if changed:
                s.execute(update(Question).where(Question.id == question_id).values(votes=Question.votes - 1))
        votes = s.execute(sa_select(Question.votes).where(Question.id == question_id)).scalar_one()
        slot_id = q.slot_id
    if changed:
        metrics.VOTES.labels(change="up" if up else "down").inc()
        push_votes_soon(question_id, slot_id)
    return {"id": question_id, "question_id": question_id, "votes": votes, "voted": up}
