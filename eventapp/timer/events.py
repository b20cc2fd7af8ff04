"""Timer over the socket: the `timer:<room_id>` channel (anyone may follow) and `timer_command` (with an ack)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..errors import ApiError
from ..realtime import acked, on_remote, register_channel, socket_staff, socketio
from . import service


def _snapshot(room_id: str) -> dict[str, Any]:
    service.ensure_keyframes(current_app._get_current_object())
    return service.get_timer_snapshot(room_id)


register_channel("timer", allow=lambda _who, _room: True, snapshot=_snapshot, needs_arg=True)


def _changed_elsewhere(channel: str | None) -> None:
    """A timer change on another server (or a command beside the servers), as its event reaches this one: the next
    subscriber here gets a fresh snapshot, and this server's day-plan pages follow it as the change's own server's
    do."""
    if channel and channel.startswith("timer:"):
        service.forget_timer_snapshot(channel.removeprefix("timer:"))
    service.publish_program_soon()


on_remote("timer", _changed_elsewhere)


@socketio.on("timer_command")
@acked
def on_timer_command(data: Any = None) -> dict[str, Any]:
    """{"room_id", "action", "seconds"?, "command_id", "expected_revision"?} -> ack {"ok": true, "state": {...}}
    (same checks as POST; a stale revision: {"ok": false, "error": "stale", "message", "snapshot"})."""
    principal = socket_staff("chair")
    room_id = data.get("room_id") if isinstance(data, dict) else None
    if not isinstance(room_id, str) or not room_id:
        raise ApiError(400, "invalid_room_id", "Send the room_id of the timer.")
    return {"state": service.command(room_id, data, principal)}
