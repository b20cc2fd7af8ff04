"""Q&A HTTP: the audience API and pages, the moderator API and console, exports. Thin: parse, check, call."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from sqlmodel import select

from .. import schemas
from ..auth import add_staff_link, current_principal, require_staff_page
from ..csvexport import safe_dict
from ..db import session_scope
from ..errors import ApiError, not_found
from ..program import schedule
from ..program.models import Session as ProgramSession
from ..program.service import list_rooms, load_event, program_payload, slot_views
from . import pileup, service, voter
from .schemas import AskBody, ClosedBody, ModeratorBody, PremoderationBody, WordsBody

bp = Blueprint("qa", __name__)
bp.after_app_request(voter.set_cookie)


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send a JSON object.")
    return body


def _audience_write() -> str:
    voter.check_origin()
    return voter.require_voter()


# --- audience API -----------------------------------------------------------------------------------------------


@bp.get("/api/v1/slots/<slot_id>/questions")
def list_questions(slot_id: str):
    voter_id = voter.ensure_voter(required=False)
    return jsonify(service.board(slot_id, current_principal(), voter_id, request.args.get("sort")))


@bp.post("/api/v1/slots/<slot_id>/questions")
def ask(slot_id: str):
    voter_id = _audience_write()
    body = schemas.body(AskBody)
    voter.check_fresh_question(voter_id)
    question = service.ask(slot_id, voter_id, body.text, body.name, body.origin)
    return jsonify(question), 201


@bp.get("/api/v1/slots/<slot_id>/similar")
def similar(slot_id: str):
    text = request.args.get("text", "")[:500]
    return jsonify({"questions": service.similar_questions(slot_id, text)})


@bp.post("/api/v1/questions/<int:question_id>/vote")
def upvote(question_id: int):
    return jsonify(service.vote(question_id, _audience_write(), True))


@bp.delete("/api/v1/questions/<int:question_id>/vote")
def unvote(question_id: int):
    return jsonify(service.vote(question_id, _audience_write(), False))


@bp.post("/api/v1/questions/<int:question_id>/discount-fresh")
def discount_fresh(question_id: int):
    """A moderator discounts the votes a question got from identities in their first minute (a pile-up)."""
    return jsonify(pileup.discount_fresh_votes(question_id, current_principal()))


@bp.get("/api/v1/rooms/<room_id>/qa")
def room_current(room_id: str):
    """Which board the room's page shows now, and its highlighted question (the stage screen's)."""
    _room(room_id)
    return jsonify(service.highlighted_for_room(room_id))


# --- moderator API ------------------------------------------------------------------------------------------------


@bp.patch("/api/v1/questions/<int:question_id>")
def moderate(question_id: int):
    return jsonify(service.moderate(question_id, current_principal(), _json_body()))


@bp.post("/api/v1/questions/<int:question_id>/mute")
def mute(question_id: int):
    return jsonify(service.set_muted(question_id, current_principal(), True))


@bp.delete("/api/v1/questions/<int:question_id>/mute")
def unmute(question_id: int):
    return jsonify(service.set_muted(question_id, current_principal(), False))


@bp.patch("/api/v1/sessions/<session_id>/qa")
def session_settings(session_id: str):
    on = schemas.body(PremoderationBody).premoderation
    return jsonify(service.set_premoderation(session_id, current_principal(), on))


@bp.patch("/api/v1/slots/<slot_id>/qa")
def board_settings(slot_id: str):
    return jsonify(service.set_closed(slot_id, current_principal(), schemas.body(ClosedBody).closed))


@bp.get("/api/v1/qa/words")
def get_words():
    return jsonify(service.get_words(current_principal()))


@bp.put("/api/v1/qa/words")
def put_words():
    return jsonify(service.set_words(current_principal(), schemas.body(WordsBody).words))


@bp.get("/api/v1/sessions/<session_id>/moderators")
def moderators(session_id: str):
    return jsonify(service.list_moderators(session_id, current_principal()))


@bp.post("/api/v1/sessions/<session_id>/moderators")
def add_moderator(session_id: str):
    return jsonify(service.add_moderator(session_id, current_principal(), schemas.body(ModeratorBody).name)), 201


@bp.delete("/api/v1/sessions/<session_id>/moderators/<int:staff_id>")
def remove_moderator(session_id: str, staff_id: int):
    return jsonify(service.remove_moderator(session_id, current_principal(), staff_id))


# --- export -----------------------------------------------------------------------------------------------------


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
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=service.EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(safe_dict(row))
    return out.getvalue()


@bp.get("/api/v1/qa/export.<fmt>")
def export(fmt: str):
    slot_id = request.args.get("slot_id") or None
    unanswered = request.args.get("only") == "unanswered"
    service.check_export(current_principal(), slot_id)
    rows = service.export_rows(slot_id, unanswered)
    name = f"questions-{slot_id or 'day'}{'-not-reached' if unanswered else ''}"
    return export_response(rows, fmt, name)


# --- pages ------------------------------------------------------------------------------------------------------


def _room(room_id: str):
    rooms = {r.id: r for r in list_rooms()}
    if room_id not in rooms:
        raise not_found("room", room_id)
    return rooms[room_id]


def _origin() -> str:
    return "online" if request.args.get("origin") == "online" else "room"


@bp.get("/rooms/<room_id>/qa")
def room_board(room_id: str):
    """The room's Q&A: follows the room's current talk."""
    room = _room(room_id)
    voter.ensure_voter(required=False)
    return render_template("qa/audience.html", room=room, slot_id=service.current_slot_id(room_id),
                           follow=True, origin=_origin(), program=program_payload())  # fmt: skip


@bp.get("/slots/<slot_id>/qa")
def slot_board(slot_id: str):
    with session_scope() as s:
        ctx = service.slot_context(s, slot_id)
    voter.ensure_voter(required=False)
    return render_template("qa/audience.html", room=_room(ctx.room_id), slot_id=slot_id, follow=False,
                           origin=_origin())  # fmt: skip


@bp.get("/rooms/<room_id>/qa/screen")
def screen(room_id: str):
    """The question on screen, alone (a projector or a streaming overlay); the stage page embeds the partial."""
    return render_template("qa/screen.html", room=_room(room_id))


@bp.get("/sessions/<session_id>/moderate")
@require_staff_page
def console(session_id: str):
    principal = current_principal()
    with session_scope() as s:
        room_id = service.session_room(s, session_id)
        slots = [v for v in slot_views(s, room_id) if v.session_id == session_id]
        sess = s.get(ProgramSession, session_id)
    if not service.can_moderate(principal, session_id, room_id):
        abort(403, "Only this session's chair, its moderators or an organizer may moderate it.")
    current = service.current_slot_id(room_id)
    chosen = request.args.get("slot") or (current if current in {v.id for v in slots} else None)
    chosen = chosen or (slots[0].id if slots else None)
    tz = load_event().timezone
    options = [(v.id, f"{schedule.local_hhmm(v.starts_at, tz)} {v.title}") for v in slots]
    return render_template(
        "qa/moderate.html", session=sess, room=_room(room_id), slots=options, slot_id=chosen,
        can_manage=service.can_manage_moderators(principal, room_id),
    )  # fmt: skip


@bp.get("/moderate")
@require_staff_page
def console_index():
    """The sessions this staff member may moderate."""
    principal = current_principal()
    with session_scope() as s:
        sessions = list(s.exec(select(ProgramSession).order_by(ProgramSession.position)))
    allowed = [x for x in sessions if service.can_moderate(principal, x.id, x.room_id)]
    # Each session's times, and which one is on now (the room's running timer, else the plan): the day's
    # two coffee breaks must not look alike.
    program = program_payload()
    times = {x["id"]: x for x in program["sessions"]}
    now_ids = {p["current_slot_id"] for p in (program.get("plan") or {}).get("rooms", {}).values()}
    now_ids.add(program["now"]["current_slot_id"])
    running = {x["id"] for x in program["sessions"] if any(slot["id"] in now_ids for slot in x["slots"])}
    return render_template("qa/moderate_index.html", sessions=allowed, times=times, running=running)


add_staff_link("Q&A moderation", lambda: url_for("qa.console_index"), "chair", "moderator")
