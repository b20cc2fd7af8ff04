"""Timer HTTP: the API (GET public, POST chair of the room or organizer) and the four screens."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, url_for

from .. import schemas
from ..auth import StaffLink, allows, check_role, current_principal, require_staff_page
from ..errors import ApiError
from ..program.service import list_rooms, room_or_404
from . import commands, reads
from .schemas import CommandBody, RemoteQuery, TimerAnswer, TimerCommandAnswer, TimerLog

bp = Blueprint("timer", __name__)

STAFF_LINKS = (StaffLink("Session timer (chair console)", "timer.chair_index", ("chair",)),)


@bp.get("/api/v1/rooms/<room_id>/timer")
@allows("anyone")
@schemas.answers(TimerAnswer)
def timer_get(room_id: str):
    return jsonify(reads.get_timer(room_id))


@bp.post("/api/v1/rooms/<room_id>/timer")
@allows("the room's chair or an organizer")
@schemas.answers(TimerCommandAnswer)
@schemas.accepts(body=CommandBody)
def timer_post(room_id: str):
    principal = current_principal()
    check_role(principal, "chair")  # who may, before what they sent (the service checks the room)
    return jsonify(commands.command(room_id, schemas.body().as_data(), principal))


@bp.get("/api/v1/rooms/<room_id>/timer/log")
@allows("anyone")
@schemas.answers(TimerLog)
def timer_log(room_id: str):
    """Actual start and end of every segment the timer ran (public, like the day plan built on it)."""
    return jsonify(reads.segment_log(room_id))


@bp.get("/chair")
@allows("signed-in staff who chair a room, or an organizer")
@require_staff_page
def chair_index():
    """The rooms this person may chair; with one, straight to its console."""
    principal = current_principal()
    rooms = [r for r in list_rooms() if principal.can_chair_room(r.id)]
    if not rooms:
        raise ApiError(403, "forbidden", "Your role does not chair any room.")
    if len(rooms) == 1:
        return render_template("timer/chair_index.html", rooms=rooms, only=rooms[0])
    return render_template("timer/chair_index.html", rooms=rooms, only=None)


@bp.get("/rooms/<room_id>/chair")
@allows("the room's chair or an organizer (signed in)")
@require_staff_page
def chair(room_id: str):
    room = room_or_404(room_id)
    if not current_principal().can_chair_room(room_id):
        raise ApiError(403, "forbidden", "Only this room's chair or an organizer may run its timer.")
    return render_template("timer/chair.html", room=room, state=reads.get_timer(room_id))


@bp.get("/rooms/<room_id>/stage")
@allows("anyone")
def stage(room_id: str):
    """The projector: huge digits, phase colour and cue, title, presenter, next, the Q&A code, the message."""
    room = room_or_404(room_id)
    qa_url = url_for("timer.stage", room_id=room_id, _external=True).rsplit("/stage", 1)[0] + "/qa"
    return render_template("timer/stage.html", room=room, state=reads.get_timer(room_id), qa_url=qa_url)


@bp.get("/rooms/<room_id>/speaker")
@allows("anyone")
def speaker(room_id: str):
    """The confidence monitor at the lectern: the time left, the message, what comes next."""
    return render_template("timer/speaker.html", room=room_or_404(room_id), state=reads.get_timer(room_id))


@bp.get("/rooms/<room_id>/remote")
@allows("anyone")
@schemas.accepts(query=RemoteQuery)
def remote(room_id: str):
    """Remote viewers: the timer beside the room's stream link; ?delay=seconds lines it up with the stream."""
    delay = schemas.query().delay
    return render_template("timer/remote.html", room=room_or_404(room_id), state=reads.get_timer(room_id), delay=delay)
