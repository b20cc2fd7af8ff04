"""A chair's command (HTTP or socket): one transaction (state row, command id, actual times), then the pushes and
`timer_changed`. Idempotent per command id; a press on a state a later command replaced is refused as stale.

The room's row lock is held only for the state change: presence, the pushes and the signal run after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from .. import metrics, ratelimit, schemas
from ..auth import Principal
from ..db import session_scope, utcnow
from ..errors import ApiError, unauthenticated
from ..program.service import SlotView
from ..signals import send_safely, timer_changed
from . import clock
from .clock import ClockError, TimerState
from .models import TimerCommand, TimerRow
from .presence import add_presence
from .pushes import announce
from .schemas import MESSAGE_ACTIONS, CommandRules
from .state import load, now_ms, payload, plans, save, tz

log = logging.getLogger(__name__)

COMMAND_LIMIT = "20/second"  # a chair may send at least 10 a second; a stuck key or a loop stops at 20
KEEP_COMMANDS = timedelta(hours=12)


def parse_command(data: Any) -> tuple[str, str, int | None, dict[str, Any]]:
    """(action, command_id, seconds, extra) from a request body, or a 400 naming the bad field (the rules are
    declared in timer/schemas.py: CommandRules)."""
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", 'Send a JSON object such as {"action": "start", "command_id": "…"}.')
    rules = schemas.validate(CommandRules, data)
    extra: dict[str, Any] = {}
    if rules.action == "message":
        extra["text"] = rules.text.strip()
        extra["flash"] = bool(rules.flash)
    return rules.action, rules.command_id.strip(), rules.seconds if rules.action == "adjust" else None, extra


def expected_revision(data: Any) -> int | None:
    """The `revision` of the state the button was pressed on, if the command names it (else None)."""
    value = data.get("expected_revision") if isinstance(data, dict) else None
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ApiError(400, "invalid_expected_revision", "expected_revision must be a whole number from 0 up.")
    return value


def _is_stale(s: DbSession, room_id: str, state: TimerState, views: list[SlotView], expected: int, at: int) -> bool:
    """Whether a timer command applied since the state it was pressed on (or it names a revision this room never
    had). Changes no chair made (a talk flowing into its Q&A, the resting timer following the plan) and messages to
    the speaker do not count: the chair's screen may show them a moment late, and a press on it still means what
    it meant. (Messages themselves are never stale: they do not depend on the clock.)"""
    settled = clock.settle(state, plans(views), at) if views else state
    if expected > settled.revision:
        return True
    latest = s.exec(
        select(func.max(TimerCommand.revision)).where(
            TimerCommand.room_id == room_id, TimerCommand.action.not_in(MESSAGE_ACTIONS)
        )
    ).one()
    return latest is not None and latest > expected


def command(room_id: str, data: Any, principal: Principal) -> dict[str, Any]:
    """Apply one chair command (HTTP or socket; the caller has checked the staff role). Idempotent per id.

    Several servers may take commands for one room at once: the room's row is locked for the transaction
    (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), and when the same command id or the
    room's first row races in on two servers, the unique constraint refuses one and it is answered again."""
    for attempt in range(3):
        try:
            return _command_once(room_id, data, principal)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _command_once(room_id: str, data: Any, principal: Principal) -> dict[str, Any]:
    if not principal.is_staff:
        raise unauthenticated()
    stale: ApiError | None = None
    with session_scope() as s:
        row, state, views = load(s, room_id, lock=True)  # 404 for an unknown room
        if not principal.can_chair_room(room_id):
            raise ApiError(403, "forbidden", "Only this room's chair or an organizer may run its timer.")
        ratelimit.hit(
            COMMAND_LIMIT, "timer", str(principal.staff_id), message="Too many timer commands at once. Wait a moment."
        )
        action, command_id, seconds, extra = parse_command(data)
        at = now_ms()
        zone = tz(s)
        seen = s.exec(
            select(TimerCommand).where(TimerCommand.room_id == room_id, TimerCommand.command_id == command_id)
        ).first()
        expected = expected_revision(data)
        if action in MESSAGE_ACTIONS:
            expected = None  # a message does not depend on the clock: never stale
        if seen is not None:  # a repeat (double tap, retry after a lost ack): the state as it is, unchanged
            settled = clock.settle(state, plans(views), at) if views else state
            body = {**payload(row, settled, views, zone, at), "duplicate": True}
        elif expected is not None and _is_stale(s, room_id, state, views, expected, at):
            # Pressed on a state a later command has replaced (a double tap, a second chair's phone): refused whole.
            settled = clock.settle(state, plans(views), at) if views else state
            snapshot = payload(row, settled, views, zone, at)
            stale = ApiError(
                409,
                "stale",
                "The timer changed after this was pressed; it now shows the current "
                "state. Press again if you still want it.",
                snapshot=snapshot,
            )
        else:
            if action in MESSAGE_ACTIONS:
                new = replace(clock.settle(state, plans(views), at) if views else state, revision=state.revision + 1)
                _message(row, action, extra, at)
            else:
                try:
                    new = clock.apply(state, plans(views), action, at, seconds)
                except ClockError as err:
                    raise ApiError(409, err.code, err.message) from err
            save(s, row, state, new, views, at)
            row.last_command_id = command_id
            s.add(
                TimerCommand(
                    room_id=room_id,
                    command_id=command_id,
                    action=action,
                    staff_id=principal.staff_id,
                    revision=new.revision,
                )
            )
            s.exec(delete(TimerCommand).where(TimerCommand.created_at < utcnow() - KEEP_COMMANDS))
            body = payload(row, new, views, zone, at)
    if stale is not None:
        add_presence(stale.extra["snapshot"])
        raise stale
    add_presence(body)
    if seen is None:
        metrics.TIMER_COMMANDS.labels(action=action).inc()
        fields = {
            "room_id": room_id,
            "action": action,
            "staff_id": principal.staff_id,
            "slot_id": body["slot_id"],
            "revision": body["revision"],
        }
        log.info("timer command", extra={"fields": fields})
        announce(room_id, body, program=action not in MESSAGE_ACTIONS)
        send_safely(timer_changed, None, room_id=room_id, state=body)
    return body


def _message(row: TimerRow, action: str, extra: dict[str, Any], at: int) -> None:
    if action == "message":
        row.message_text, row.message_flash = extra["text"], extra["flash"]
    elif action == "flash":
        row.message_flash = True
    else:
        row.message_text, row.message_flash = "", False
    row.message_at_ms = at
