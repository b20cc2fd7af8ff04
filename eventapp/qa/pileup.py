"""Discounting a vote pile-up: a moderator takes the votes a question got from identities in their first minute
out of its count. The rows stay (a repeat vote is still a repeat) and count for nothing, as a muted voter's do."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, update
from sqlalchemy import select as sa_select

from ..auth import Principal
from ..db import session_scope
from . import identity
from .access import check_moderator, question_context
from .models import Question, Vote
from .push import push_votes_soon


def discount_fresh_votes(question_id: int, principal: Principal) -> dict[str, Any]:
    with session_scope() as s:
        q, ctx = question_context(s, question_id)
        check_moderator(principal, ctx.session_id, ctx.room_id)
        rows = s.execute(
            sa_select(Vote.voter_id, Vote.created_at).where(Vote.question_id == question_id, Vote.counted)
        ).all()
        fresh = [voter_id for voter_id, cast_at in rows if identity.fresh_vote(voter_id, cast_at)]
        if fresh:
            s.execute(
                update(Vote).where(Vote.question_id == question_id, Vote.voter_id.in_(fresh)).values(counted=False)
            )
            recount = sa_select(func.count()).select_from(Vote).where(Vote.question_id == question_id, Vote.counted)
            s.execute(update(Question).where(Question.id == question_id).values(votes=recount.scalar_subquery()))
        votes = s.execute(sa_select(Question.votes).where(Question.id == question_id)).scalar_one()
        slot_id = q.slot_id
    if fresh:
        push_votes_soon(question_id, slot_id)
    return {"id": question_id, "votes": votes, "discounted": len(fresh), "fresh_votes": 0, "vote_pileup": False}
