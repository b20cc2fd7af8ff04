"""Exporting questions: a slot's or the whole day's, or the ones not reached (for the speaker), as rows, CSV or
JSON; and who may export what."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from sqlmodel import select

from ..auth import Principal
from ..csvexport import csv_text
from ..db import session_scope
from ..errors import ApiError
from ..program import schedule
from ..program.models import Event, Slot
from .access import check_moderator, require_staff, slot_context
from .board import muted_voters
from .models import Question
from .shapes import voter_tag

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
        muted = muted_voters(s)
    out = []
    for q, title, session_id in rows:
        if unanswered and not (q.status == "visible" and q.voter_id not in muted):
            continue
        out.append(
            {
                "id": q.id,
                "slot_id": q.slot_id,
                "slot_title": title,
                "session_id": session_id,
                "created_at": schedule.local_iso(q.created_at, tz),
                "status": q.status,
                "votes": q.votes,
                "highlighted": q.highlighted,
                "starred": q.starred,
                "flagged": q.flagged,
                "origin": q.origin,
                "name": q.name,
                "text": q.text,
                "original_text": q.original_text,
                "voter": voter_tag(q.voter_id),
                "muted": q.voter_id in muted,
                "answered_at": schedule.local_iso(q.answered_at, tz),
            }
        )
    if unanswered:
        out.sort(key=lambda r: (r["slot_id"], -r["votes"], r["id"]))
    return out


def check_export(principal: Principal, slot_id: str | None) -> None:
    """The whole day: organizers. One slot: anyone who moderates it (the chair hands the list to the speaker)."""
    if slot_id is None:
        require_staff(principal)
        if not principal.has_role():
            raise ApiError(403, "forbidden", "Only an organizer may export the whole day.")
        return
    with session_scope() as s:
        ctx = slot_context(s, slot_id)
    check_moderator(principal, ctx.session_id, ctx.room_id)


def export_response(rows: list[dict[str, Any]], fmt: str, name: str) -> Response:
    if fmt == "json":
        body = json.dumps({"questions": rows}, ensure_ascii=False, indent=1)
        mimetype = "application/json"
    elif fmt == "csv":
        body = to_csv(rows)
        mimetype = "text/csv; charset=utf-8"
    else:
        raise ApiError(400, "invalid_format", "The format is csv or json.")
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def to_csv(rows: list[dict[str, Any]]) -> str:
    return csv_text(EXPORT_FIELDS, rows, ignore_extra=True)
