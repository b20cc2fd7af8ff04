"""Q&A HTTP: the audience API and pages, the moderator API and console, exports. Thin: parse, check, call."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from sqlmodel import select

from .. import schemas
from ..auth import StaffLink, allows, current_principal, require_staff_page
from ..db import session_scope
from ..errors import ApiError
from ..program import schedule
from ..program.models import Session as ProgramSession
from ..program.service import load_event, program_payload, slot_views
from . import asking, board, exports, moderation, pileup, voter, voting
from . import moderators as co_moderators
from .access import can_manage_moderators, can_moderate, room_or_404, session_room, slot_context
from .schemas import (
    AskBody,
    BoardQuery,
    ClosedBody,
    ConsoleQuery,
    ExportQuery,
    ModerateBody,
    ModeratorBody,
    PageQuery,
    PremoderationBody,
    QaBoardAnswer,
    QaClosed,
    QaDiscounted,
    QaExport,
    QaMarkedQuestion,
    QaModeratorAdded,
    QaModeratorRemoved,
    QaModerators,
    QaModQuestion,
    QaMuteAnswer,
    QaPremoderation,
    QaSimilar,
    QaStageAnswer,
    QaVoteAnswer,
    QaWords,
    SimilarQuery,
    WordsBody,
)

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
@allows("anyone (the slot's moderators see every question)")
@schemas.accepts(query=BoardQuery)
@schemas.answers(QaBoardAnswer)
def list_questions(slot_id: str):
    voter_id = voter.ensure_voter(required=False)
    return jsonify(board.board(slot_id, current_principal(), voter_id, schemas.query().sort))


@bp.post("/api/v1/slots/<slot_id>/questions")
@allows("anyone (a browser only from the event's site; rate-limited per device and network)")
@schemas.accepts(body=AskBody)
@schemas.answers(QaMarkedQuestion, status=201)
def ask(slot_id: str):
    voter_id = _audience_write()
    body = schemas.body()
    voter.check_fresh_question(voter_id)
    question = asking.ask(slot_id, voter_id, body.text, body.name, body.origin)
    return jsonify(question), 201


@bp.get("/api/v1/slots/<slot_id>/similar")
@allows("anyone")
@schemas.accepts(query=SimilarQuery)
@schemas.answers(QaSimilar)
def similar(slot_id: str):
    text = schemas.query().text
    return jsonify({"questions": board.similar_questions(slot_id, text)})


@bp.post("/api/v1/questions/<int:question_id>/vote")
@allows("anyone (a browser only from the event's site; rate-limited per device and network)")
@schemas.answers(QaVoteAnswer)
def upvote(question_id: int):
    return jsonify(voting.vote(question_id, _audience_write(), True))


@bp.delete("/api/v1/questions/<int:question_id>/vote")
@allows("anyone (a browser only from the event's site; rate-limited per device and network)")
@schemas.answers(QaVoteAnswer)
def unvote(question_id: int):
    return jsonify(voting.vote(question_id, _audience_write(), False))


@bp.post("/api/v1/questions/<int:question_id>/discount-fresh")
@allows("the session's moderators, its room's chair or an organizer")
@schemas.answers(QaDiscounted)
def discount_fresh(question_id: int):
    """A moderator discounts the votes a question got from identities in their first minute (a pile-up)."""
    return jsonify(pileup.discount_fresh_votes(question_id, current_principal()))


@bp.get("/api/v1/rooms/<room_id>/qa")
@allows("anyone")
@schemas.answers(QaStageAnswer)
def room_current(room_id: str):
    """Which board the room's page shows now, and its highlighted question (the stage screen's)."""
    room_or_404(room_id)
    return jsonify(board.highlighted_for_room(room_id))


# --- moderator API ------------------------------------------------------------------------------------------------


@bp.patch("/api/v1/questions/<int:question_id>")
@allows("the session's moderators, its room's chair or an organizer")
@schemas.accepts(body=ModerateBody)
@schemas.answers(QaModQuestion)
def moderate(question_id: int):
    changes = schemas.validate(schemas.declared("body"), _json_body())
    return jsonify(moderation.moderate(question_id, current_principal(), changes))


@bp.post("/api/v1/questions/<int:question_id>/mute")
@allows("the session's moderators, its room's chair or an organizer")
@schemas.answers(QaMuteAnswer)
def mute(question_id: int):
    return jsonify(moderation.set_muted(question_id, current_principal(), True))


@bp.delete("/api/v1/questions/<int:question_id>/mute")
@allows("the session's moderators, its room's chair or an organizer")
@schemas.answers(QaMuteAnswer)
def unmute(question_id: int):
    return jsonify(moderation.set_muted(question_id, current_principal(), False))


@bp.patch("/api/v1/sessions/<session_id>/qa")
@allows("the session's moderators, its room's chair or an organizer")
@schemas.accepts(body=PremoderationBody)
@schemas.answers(QaPremoderation)
def session_settings(session_id: str):
    on = schemas.body().premoderation
    return jsonify(moderation.set_premoderation(session_id, current_principal(), on))


@bp.patch("/api/v1/slots/<slot_id>/qa")
@allows("the session's moderators, its room's chair or an organizer")
@schemas.accepts(body=ClosedBody)
@schemas.answers(QaClosed)
def board_settings(slot_id: str):
    return jsonify(moderation.set_closed(slot_id, current_principal(), schemas.body().closed))


@bp.get("/api/v1/qa/words")
@allows("a chair, a moderator or an organizer")
@schemas.answers(QaWords)
def get_words():
    return jsonify(moderation.get_words(current_principal()))


@bp.put("/api/v1/qa/words")
@allows("an organizer")
@schemas.accepts(body=WordsBody)
@schemas.answers(QaWords)
def put_words():
    return jsonify(moderation.set_words(current_principal(), schemas.body().words))


@bp.get("/api/v1/sessions/<session_id>/moderators")
@allows("the room's chair or an organizer")
@schemas.answers(QaModerators)
def moderators(session_id: str):
    return jsonify(co_moderators.list_moderators(session_id, current_principal()))


@bp.post("/api/v1/sessions/<session_id>/moderators")
@allows("the room's chair or an organizer")
@schemas.accepts(body=ModeratorBody)
@schemas.answers(QaModeratorAdded, status=201)
def add_moderator(session_id: str):
    return jsonify(co_moderators.add_moderator(session_id, current_principal(), schemas.body().name)), 201


@bp.delete("/api/v1/sessions/<session_id>/moderators/<int:staff_id>")
@allows("the room's chair or an organizer")
@schemas.answers(QaModeratorRemoved)
def remove_moderator(session_id: str, staff_id: int):
    return jsonify(co_moderators.remove_moderator(session_id, current_principal(), staff_id))


# --- export -----------------------------------------------------------------------------------------------------


EXPORTERS = "an organizer (the whole day); the talk's moderators or its room's chair (one talk)"


def _export(fmt: str):
    args = schemas.query()
    slot_id, unanswered = args.slot_id, args.unanswered
    exports.check_export(current_principal(), slot_id)
    rows = exports.export_rows(slot_id, unanswered)
    name = f"questions-{slot_id or 'day'}{'-not-reached' if unanswered else ''}"
    return exports.export_response(rows, fmt, name)


# One route per format, so that each declares what it sends: export.csv is its own rule (a fixed path wins over
# the `<fmt>` one), and `qa.export` keeps the JSON and the 400 of any other format. Both answer as before.


@bp.get("/api/v1/qa/export.<fmt>")
@allows(EXPORTERS)
@schemas.accepts(query=ExportQuery)
@schemas.answers(QaExport)
def export(fmt: str):
    """The questions as JSON (`export.json`); any format but json and csv is a 400 invalid_format."""
    return _export(fmt)


@bp.get("/api/v1/qa/export.csv")
@allows(EXPORTERS)
@schemas.accepts(query=ExportQuery)
@schemas.answers(media="text/csv")
def export_csv():
    """The questions as CSV, the same columns as the JSON export."""
    return _export("csv")


# --- pages ------------------------------------------------------------------------------------------------------


def _origin() -> str:
    return "online" if schemas.query().origin == "online" else "room"


@bp.get("/rooms/<room_id>/qa")
@allows("anyone")
@schemas.accepts(query=PageQuery)
def room_board(room_id: str):
    """The room's Q&A: follows the room's current talk."""
    room = room_or_404(room_id)
    voter.ensure_voter(required=False)
    return render_template(
        "qa/audience.html",
        room=room,
        slot_id=board.current_slot_id(room_id),
        follow=True,
        origin=_origin(),
        program=program_payload(),
    )


@bp.get("/slots/<slot_id>/qa")
@allows("anyone")
@schemas.accepts(query=PageQuery)
def slot_board(slot_id: str):
    with session_scope() as s:
        ctx = slot_context(s, slot_id)
    voter.ensure_voter(required=False)
    return render_template(
        "qa/audience.html", room=room_or_404(ctx.room_id), slot_id=slot_id, follow=False, origin=_origin()
    )


@bp.get("/rooms/<room_id>/qa/screen")
@allows("anyone")
def screen(room_id: str):
    """The question on screen, alone (a projector or a streaming overlay); the stage page embeds the partial."""
    return render_template("qa/screen.html", room=room_or_404(room_id))


@bp.get("/sessions/<session_id>/moderate")
@allows("signed-in staff who moderate the session: its moderators, its room's chair or an organizer")
@require_staff_page
@schemas.accepts(query=ConsoleQuery)
def console(session_id: str):
    principal = current_principal()
    with session_scope() as s:
        room_id = session_room(s, session_id)
        slots = [v for v in slot_views(s, room_id) if v.session_id == session_id]
        sess = s.get(ProgramSession, session_id)
    if not can_moderate(principal, session_id, room_id):
        abort(403, "Only this session's chair, its moderators or an organizer may moderate it.")
    current = board.current_slot_id(room_id)
    chosen = schemas.query().slot or (current if current in {v.id for v in slots} else None)
    chosen = chosen or (slots[0].id if slots else None)
    tz = load_event().timezone
    options = [(v.id, f"{schedule.local_hhmm(v.starts_at, tz)} {v.title}") for v in slots]
    return render_template(
        "qa/moderate.html",
        session=sess,
        room=room_or_404(room_id),
        slots=options,
        slot_id=chosen,
        can_manage=can_manage_moderators(principal, room_id),
    )


@bp.get("/moderate")
@allows("signed-in staff (it lists the sessions they may moderate)")
@require_staff_page
def console_index():
    """The sessions this staff member may moderate."""
    principal = current_principal()
    with session_scope() as s:
        sessions = list(s.exec(select(ProgramSession).order_by(ProgramSession.position)))
    allowed = [x for x in sessions if can_moderate(principal, x.id, x.room_id)]
    # Each session's times, and which one is on now (the room's running timer, else the plan): the day's
    # two coffee breaks must not look alike.
    program = program_payload()
    times = {x["id"]: x for x in program["sessions"]}
    now_ids = {p["current_slot_id"] for p in (program.get("plan") or {}).get("rooms", {}).values()}
    now_ids.add(program["now"]["current_slot_id"])
    running = {x["id"] for x in program["sessions"] if any(slot["id"] in now_ids for slot in x["slots"])}
    return render_template("qa/moderate_index.html", sessions=allowed, times=times, running=running)


STAFF_LINKS = (StaffLink("Q&A moderation", "qa.console_index", ("chair", "moderator")),)
