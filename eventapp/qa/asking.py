"""Asking a question: the text's rules, the board closed or not, one asker's pace, premoderation and flag words,
then the pushes."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import func, select

from .. import metrics
from ..db import session_scope, utcnow
from ..errors import ApiError
from ..realtime import publish
from . import policy
from .access import policy_refusals, slot_context
from .board import board_closed, flag_words, muted_voters, premoderation_on, slot_questions
from .models import Question
from .push import mod_channel, public_channel, publish_counts
from .shapes import marked, mod_json, public_json, status_counts

log = logging.getLogger(__name__)


def ask(slot_id: str, voter_id: str, text: Any, name: Any = None, origin: Any = None) -> dict[str, Any]:
    with policy_refusals():
        clean = policy.clean_question_text(text)
        clean_name = policy.clean_name(name)
        clean_origin = policy.clean_origin(origin)
    now = utcnow()
    with session_scope() as s:  # BEGIN IMMEDIATE: the limit checks and the insert are one step
        ctx = slot_context(s, slot_id)
        if board_closed(s, slot_id):
            raise ApiError(409, "board_closed", "Questions for this talk are closed.")
        last = s.exec(select(func.max(Question.created_at)).where(Question.voter_id == voter_id)).one()
        pending = s.exec(
            select(func.count())
            .select_from(Question)
            .where(Question.voter_id == voter_id, Question.status == "pending")
        ).one()
        with policy_refusals():
            policy.check_can_ask(last_asked=last, pending=pending, now=now)
        flagged = bool(policy.flagged_words(clean, flag_words(s)))
        status = policy.initial_status(premoderation=premoderation_on(s, ctx.session_id), flagged=flagged)
        q = Question(
            slot_id=slot_id,
            voter_id=voter_id,
            text=clean,
            name=clean_name,
            origin=clean_origin,
            status=status,
            flagged=flagged,
            created_at=now,
            updated_at=now,
        )
        s.add(q)
        s.flush()
        s.refresh(q)
        muted = muted_voters(s)
        board_questions = slot_questions(s, slot_id)
        counts = status_counts(board_questions, muted)
        similar = policy.similar_ids(
            clean, [(o.id, o.text) for o in board_questions if o.id != q.id and o.status != "hidden"]
        )
    metrics.QUESTIONS.inc()
    log.info(
        "question", extra={"fields": {"slot_id": slot_id, "question_id": q.id, "status": q.status, "flagged": flagged}}
    )
    publish(mod_channel(slot_id), "question", {**mod_json(q, muted, similar), "counts": counts})
    if policy.is_public(q.status, voter_id in muted):
        publish(public_channel(slot_id), "question", {**public_json(q), "counts": counts})
    else:
        publish_counts(slot_id, counts, mod=False)
    return marked(public_json(q), mine=True, voted=False)
