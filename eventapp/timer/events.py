"""Timer over the socket: the `timer:<room_id>` channel (anyone may follow) and `timer_command` (with an ack); and
the timer's receivers: another server's timer event, and its part of the program payload (`program_payload`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from ..auth import allows
from ..realtime import Channel, acked, anyone, socket_staff, socketio
from ..schemas import accepts, answers, payload
from ..signals import program_payload, send_safely, timer_changed
from . import commands, reads
from .dayplan import plan_extension
from .keyframes import ensure_keyframes
from .pushes import publish_program_soon
from .schemas import SocketCommand, TimerCommandAck
from .snapshots import forget_timer_snapshot


def _snapshot(room_id: str) -> dict[str, Any]:
    ensure_keyframes(current_app._get_current_object())
    return reads.get_timer_snapshot(room_id)


def _changed_elsewhere(channel: str | None) -> None:
    """A timer change on another server (or a command beside the servers), as its event reaches this one: the next
    subscriber here gets a fresh snapshot, this server's day-plan pages follow it as the change's own server's do,
    and this server's features hear `timer_changed` (with no state: the event carried it to the screens)."""
    if channel and channel.startswith("timer:"):
        room_id = channel.removeprefix("timer:")
        forget_timer_snapshot(room_id)
        send_safely(timer_changed, None, room_id=room_id, state=None)
    publish_program_soon()


def _resync(room_id: str, _since: Any = None) -> list[tuple[str, dict[str, Any]]]:
    """After the queue dropped events: the room's state read again (not a snapshot kept from before)."""
    forget_timer_snapshot(room_id)
    return [("timer", reads.get_timer(room_id))]


CHANNELS = (Channel("timer", allow=anyone, snapshot=_snapshot, needs_arg=True, resync=_resync),)
ON_REMOTE = {"timer": _changed_elsewhere}


def _add_day_plan(_sender: Any, *, payload: dict[str, Any], now: datetime) -> None:
    plan_extension(payload, now)


program_payload.connect(_add_day_plan)


@socketio.on("timer_command")
@acked
@allows("the room's chair or an organizer")
@answers(TimerCommandAck)
@accepts(payload=SocketCommand)
def on_timer_command(data: Any = None) -> dict[str, Any]:
    """{"room_id", "action", "seconds"?, "command_id", "expected_revision"?} -> ack {"ok": true, "state": {...}}
    (same checks as POST; a stale revision: {"ok": false, "error": "stale", "message", "snapshot"})."""
    principal = socket_staff("chair")
    command = payload(data)
    return {"state": commands.command(command.room_id, command.as_data(), principal)}
