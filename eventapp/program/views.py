"""Program pages and API: the landing page, the day's program, a room's page. (The stage screen is the timer's.)"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from .. import schemas
from ..auth import allows
from .schemas import Program
from .service import list_rooms, load_event, program_payload, room_or_404

bp = Blueprint("program", __name__)


@bp.app_context_processor
def _event_context():
    """Every page names the event and, for demo data, says that it is synthetic."""
    return {"event": load_event()}


def _now_next_slots(program: dict, room_id: str | None = None) -> dict:
    slots = {s["id"]: s for x in program["sessions"] if room_id in (None, x["room_id"]) for s in x["slots"]}
    return {
        "now_slot": slots.get(program["now"]["current_slot_id"]),
        "next_slot": slots.get(program["now"]["next_slot_id"]),
        "papers": {p["id"]: p for p in program["papers"]},
    }


@bp.get("/")
@allows("anyone")
def landing():
    return render_template("program/landing.html", rooms=list_rooms())


@bp.get("/program")
@allows("anyone")
def program_page():
    program = program_payload()
    return render_template("program/program.html", program=program, **_now_next_slots(program))


@bp.get("/rooms/<room_id>")
@allows("anyone")
def room_page(room_id: str):
    """The audience's page of a room: now, next and the room's day."""
    room = room_or_404(room_id)
    program = program_payload()
    return render_template("program/room.html", room=room, program=program, **_now_next_slots(program, room_id))


@bp.get("/api/v1/program")
@allows("anyone")
@schemas.answers(Program)
def program_api():
    return jsonify(program_payload())
