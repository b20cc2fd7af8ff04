"""Timer over the socket: the `timer:<room_id>` channel (anyone may follow) and `timer_command` (with an ack)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..queue_watch import on_resync
from ..realtime import acked, on_remote, register_channel, socket_staff, socketio
from ..schemas import payload
from . import service
from .schemas import SocketCommand


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


def _resync(room_id: str, _since: Any = None) -> list[tuple[str, dict[str, Any]]]:
    """After the queue dropped events: the room's state read again (not a snapshot kept from before)."""
    service.forget_timer_snapshot(room_id)
    return [("timer", service.get_timer(room_id))]


on_resync("timer", _resync)


@socketio.on("timer_command")
@acked
def on_timer_command(data: Any = None) -> dict[str, Any]:
    """{"room_id", "action", "seconds"?, "command_id", "expected_revision"?} -> ack {"ok": true, "state": {...}}
    (same checks as POST; a stale revision: {"ok": false, "error": "stale", "message", "snapshot"})."""
    principal = socket_staff("chair")
    command = payload(SocketCommand, data)
    return {"state": service.command(command.room_id, command.as_data(), principal)}
