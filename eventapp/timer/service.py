"""Timer reads and commands: one transaction each (state row, command id, actual times), then the pushes.

Every change is written before it is announced, so a restart (even kill -9) resumes the same deadline. The
screens get the state on change plus a keyframe every few seconds (never per-second ticks) and draw the
countdown from the deadline themselves.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from .. import metrics, queue_watch, ratelimit
from ..auth import Principal
from ..db import FailureStreak, read_scope, session_scope, utcnow
from ..errors import ApiError, database_unavailable, not_found
from ..program import schedule
from ..program.models import Event, Room
from ..program.service import PROGRAM_CHANNEL, SlotView, extend_program_payload, publish_program, slot_views
from ..realtime import has_local_subscribers, publish, socketio
from . import clock
from .clock import ClockError, SlotPlan, TimerState
from .models import TimerCommand, TimerRow, TimerSegment

log = logging.getLogger(__name__)

MESSAGE_ACTIONS = ("message", "flash", "clear_message")
ALL_ACTIONS = clock.ACTIONS + MESSAGE_ACTIONS
COMMAND_LIMIT = "20/second"  # a chair may send at least 10 a second; a stuck key or a loop stops at 20
COMMAND_ID_MAX = 64
MESSAGE_MAX = 140
KEEP_COMMANDS = timedelta(hours=12)
KEYFRAME_SECONDS = 5.0


def now_ms() -> int:
    return int(time.time() * 1000)


def channel(room_id: str) -> str:
    return f"timer:{room_id}"


# --- reading the room ------------------------------------------------------------------------------------


def _plans(views: list[SlotView]) -> list[SlotPlan]:
    return [SlotPlan(v.id, v.kind, v.talk_seconds * 1000, v.qa_seconds * 1000) for v in views]


def _room_or_404(s: DbSession, room_id: str) -> Room:
    room = s.get(Room, room_id) if isinstance(room_id, str) and room_id else None
    if room is None:
        raise not_found("room", room_id)
    return room


def _initial_index(views: list[SlotView]) -> int:
    """A new timer rests on the slot current by the plan (before the day the first, after it the last)."""
    current = schedule.current_by_plan(views, utcnow())
    return views.index(current) if current is not None else 0


def _load(s: DbSession, room_id: str, *, lock: bool = False) -> tuple[TimerRow, TimerState, list[SlotView]]:
    _room_or_404(s, room_id)
    views = slot_views(s, room_id)
    row = s.get(TimerRow, room_id, with_for_update=lock)
    if row is None or not row.clock:
        state = clock.initial(_plans(views), _initial_index(views))
        row = row or TimerRow(room_id=room_id)
    else:
        state = TimerState.from_dict(row.clock)
        # The program may have changed under the timer: stay on the same slot id if it still exists.
        ids = [v.id for v in views]
        if row.slot_id in ids and ids.index(row.slot_id) != state.slot_index:
            state = replace(state, slot_index=ids.index(row.slot_id), undo=None)
        elif row.slot_id not in ids and views:
            state = replace(clock.initial(_plans(views), _initial_index(views)), revision=state.revision + 1)
        # Until a chair's first command, the room's timer rests on the slot current by the plan and follows it
        # through the day (keyframes re-read it every few seconds); from the first command on, the chair leads.
        if not row.last_command_id and state.state == "idle" and views and state.slot_index != _initial_index(views):
            state = replace(clock.initial(_plans(views), _initial_index(views)), revision=state.revision + 1)
    return row, state, views


def _save(s: DbSession, row: TimerRow, old: TimerState, new: TimerState, views: list[SlotView], at_ms: int) -> None:
    """Write the new state and the actual times its transition makes."""
    plans = _plans(views)
    if views:
        for mark in clock.marks(old, new, plans, at_ms):
            _record(s, row.room_id, views[mark.slot_index].id, mark)
    row.clock = new.to_dict()
    row.slot_id = views[new.slot_index].id if views else None
    row.revision = new.revision
    row.updated_at = utcnow()
    s.add(row)


def _record(s: DbSession, room_id: str, slot_id: str, mark: clock.Mark) -> None:
    if mark.kind == "clear":
        s.exec(delete(TimerSegment).where(TimerSegment.room_id == room_id, TimerSegment.slot_id == slot_id))
        return
    seg = s.get(TimerSegment, (room_id, slot_id, mark.segment))
    if mark.kind == "end":
        if seg is not None:
            seg.ended_at_ms = mark.at_ms
            s.add(seg)
        return
    if seg is None:
        seg = TimerSegment(room_id=room_id, slot_id=slot_id, segment=mark.segment, started_at_ms=mark.at_ms)
    elif mark.kind == "start":
        seg.started_at_ms = mark.at_ms
    seg.ended_at_ms = None
    s.add(seg)


def _presence(paper_ids: list[str]) -> dict[str, Any]:
    """Whether an author of each paper is present: {paper_id: {"status", "present_authors"}}, from check-in.
    Called after the transaction: it opens its own."""
    from ..checkin.presence import paper_presence  # the chair console shows the door's news; check-in knows no timer

    return paper_presence(paper_ids)


def _add_presence(payload: dict[str, Any]) -> dict[str, Any]:
    """Fill presenter_present of the current and next slot: true when an author has checked in, false when none
    has, null while unknown. The timer is public: a yes or no at most, never who (the chair console reads names
    from the staff `coverage` channel). Outside any transaction."""
    slots = [x for x in (payload.get("slot"), payload.get("next_slot")) if x and x.get("paper_id")]
    if slots:
        presence = _presence([x["paper_id"] for x in slots])
        for x in slots:
            found = presence.get(x["paper_id"])
            x["presenter_present"] = None if found is None else bool(found["present_authors"])
    return payload


def _slot_json(v: SlotView | None, tz: str) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "id": v.id, "kind": v.kind, "title": v.title, "presenter": v.presenter or None, "paper_id": v.paper_id,
        "mode": v.mode, "session_id": v.session_id, "starts_at": schedule.local_iso(v.starts_at, tz),
        "planned_start_ms": int(v.starts_at.timestamp() * 1000), "talk_seconds": v.talk_seconds,
        "qa_seconds": v.qa_seconds,
        # null while unknown (no check-in data); else whether an author is here (_add_presence).
        "presenter_present": None,
    }  # fmt: skip


def _payload(row: TimerRow, state: TimerState, views: list[SlotView], tz: str, at_ms: int) -> dict[str, Any]:
    """The timer as every screen sees it (GET, the `timer` event, snapshots and keyframes)."""
    plans = _plans(views)
    current = views[state.slot_index] if views else None
    upcoming = views[state.slot_index + 1] if views and state.slot_index + 1 < len(views) else None
    plan = plans[state.slot_index] if views else None
    warning, danger = clock.thresholds(plan, state.segment) if plan else (0, 0)
    running = state.state == "running"
    return {
        "room_id": row.room_id,
        "slot_id": current.id if current else None,
        "segment": state.segment,
        "state": state.state,
        "ends_at_ms": state.ends_at_ms if running else None,
        "remaining_ms": clock.remaining(state, at_ms),
        "revision": state.revision,
        "server_ms": at_ms,
        "phase": clock.phase(state, plan, at_ms),
        "warning_ms": warning,
        "danger_ms": danger,
        "segment_ms": clock.segment_ms(plan, state.segment) if plan else 0,
        # While a talk runs, the Q&A that follows by itself ends here: screens flow without waiting for a push.
        "qa_ends_at_ms": (
            state.ends_at_ms + plan.qa_ms if running and state.segment == "talk" and plan and plan.qa_ms else None
        ),
        "qa_warning_ms": clock.thresholds(plan, "qa")[0] if plan and plan.qa_ms else None,
        "qa_danger_ms": clock.thresholds(plan, "qa")[1] if plan and plan.qa_ms else None,
        "slot_index": state.slot_index,
        "slot_count": len(views),
        "slot": _slot_json(current, tz),
        "next_slot": _slot_json(upcoming, tz),
        "message": (
            {"text": row.message_text, "flash": row.message_flash, "at_ms": row.message_at_ms}
            if row.message_text or row.message_flash
            else None
        ),
        "can_undo": state.undo is not None,
        "last_command_id": row.last_command_id or None,
        "qa_url": f"/rooms/{row.room_id}/qa",
    }


def _tz(s: DbSession) -> str:
    event = s.exec(select(Event)).first()
    return event.timezone if event else "UTC"


# --- the public functions ----------------------------------------------------------------------------------


def get_timer(room_id: str) -> dict[str, Any]:
    """The room's timer now. A talk that ran out meanwhile has flowed into Q&A: that is written and pushed.

    Most calls only read (every audience page asks which talk is on). Only when the stored state is behind is it
    written, under the room's row lock; when two servers create a room's first row at once, the unique key refuses
    one, which then reads the winner's."""
    at = now_ms()
    with read_scope() as s:
        payload, changed = _settled(s, room_id, at, write=False)
    if changed:
        for attempt in range(3):
            try:
                with session_scope() as s:
                    payload, changed = _settled(s, room_id, at, write=True)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
    _add_presence(payload)
    if changed:
        _announce(room_id, payload)
    return payload


# A hall of phones opening the page at once (or coming back after the Wi-Fi dropped, or after a server restart)
# subscribes thousands of times within seconds; each snapshot built through the ORM costs milliseconds, and even
# reading the room's revision costs a round trip to PostgreSQL per phone. So a snapshot is reused, without reading
# the database, until this server learns that the room changed: every change is announced, by this server
# (`_announce`) or by another one through the message queue (`forget_timer_snapshot` from timer/events.py). A change
# committed elsewhere whose event is still on its way reaches the new subscriber right after its snapshot, since it
# has joined the room first. At most this long, in any case, which also bounds how stale the parts pushed on their
# own (the presenter's check-in) can be in a reused snapshot.
SNAPSHOT_REUSE_SECONDS = 1.0
# Per app: "changes": room -> count of announced changes; "built": room -> (count, time built, payload);
# "building": room -> the lock held while one subscriber builds the room's snapshot.
SNAPSHOTS_KEY = "eventapp.timer.snapshots"


def _snapshots() -> dict[str, dict[str, Any]]:
    return current_app.extensions.setdefault(SNAPSHOTS_KEY, {"changes": {}, "built": {}, "building": {}})


def forget_timer_snapshot(room_id: str) -> None:
    """The room's timer changed: the next subscriber gets a snapshot built after this (and one being built now, which
    may have read the room before the change, is not kept)."""
    changes = _snapshots()["changes"]
    changes[room_id] = changes.get(room_id, 0) + 1


def _reusable_snapshot(snapshots: dict[str, dict[str, Any]], room_id: str) -> dict[str, Any] | None:
    cached = snapshots["built"].get(room_id)
    fresh = cached is not None and time.monotonic() - cached[1] < SNAPSHOT_REUSE_SECONDS
    return cached[2] if fresh and cached[0] == snapshots["changes"].get(room_id, 0) else None


def get_timer_snapshot(room_id: str) -> dict[str, Any]:
    """get_timer for a new subscriber: the payload built for an earlier subscriber when nothing changed in the room
    since, and it is under SNAPSHOT_REUSE_SECONDS old. One subscriber builds at a time: a hall connecting at once
    waits for that build (its reads yield to the others) instead of each phone building its own."""
    snapshots = _snapshots()
    payload = _reusable_snapshot(snapshots, room_id)
    if payload is not None:
        return payload
    with snapshots["building"].setdefault(room_id, threading.Lock()):
        payload = _reusable_snapshot(snapshots, room_id)  # built while this one waited
        if payload is not None:
            return payload
        changes, started = snapshots["changes"].get(room_id, 0), time.monotonic()
        payload = get_timer(room_id)
        # Kept under the count from before the build: a change announced while it was built makes it stale at once.
        snapshots["built"][room_id] = (changes, started, payload)
        return payload


def _settled(s: DbSession, room_id: str, at: int, *, write: bool) -> tuple[dict[str, Any], bool]:
    row, state, views = _load(s, room_id, lock=write)
    settled = clock.settle(state, _plans(views), at) if views else state
    changed = row.clock != settled.to_dict()
    if changed and write:
        _save(s, row, state, settled, views, at)
    return _payload(row, settled, views, _tz(s), at), changed


def segment_log(room_id: str) -> dict[str, Any]:
    """What actually ran in a room: each slot's talk and Q&A segments with their actual start and end."""
    with session_scope() as s:
        _room_or_404(s, room_id)
        tz = _tz(s)
        order = {v.id: i for i, v in enumerate(slot_views(s, room_id))}
        rows = list(s.exec(select(TimerSegment).where(TimerSegment.room_id == room_id)))
    rows.sort(key=lambda r: (order.get(r.slot_id, len(order)), r.started_at_ms))

    def iso(ms: int | None) -> str | None:
        return None if ms is None else schedule.local_iso(_from_ms(ms), tz)

    return {
        "room_id": room_id,
        "segments": [
            {"slot_id": r.slot_id, "segment": r.segment, "started_at": iso(r.started_at_ms),
             "ended_at": iso(r.ended_at_ms), "started_at_ms": r.started_at_ms, "ended_at_ms": r.ended_at_ms}
            for r in rows
        ],
    }  # fmt: skip


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise ApiError(400, f"invalid_{key}", f"{key} must be text of 1 to {limit} characters.")
    return value.strip()


def parse_command(data: Any) -> tuple[str, str, int | None, dict[str, Any]]:
    """(action, command_id, seconds, extra) from a request body, or a 400 naming the bad field."""
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", 'Send a JSON object such as {"action": "start", "command_id": "…"}.')
    action = data.get("action")
    if action not in ALL_ACTIONS:
        raise ApiError(400, "unknown_action", f"action must be one of {', '.join(ALL_ACTIONS)}.")
    command_id = _text(data, "command_id", COMMAND_ID_MAX, required=True)
    seconds = data.get("seconds")
    if action == "adjust" and (
        not isinstance(seconds, int)
        or isinstance(seconds, bool)
        or seconds == 0
        or abs(seconds) > clock.MAX_ADJUST_SECONDS
    ):
        raise ApiError(
            400, "invalid_seconds",
            f"adjust needs seconds: a whole number from -{clock.MAX_ADJUST_SECONDS} to "
            f"{clock.MAX_ADJUST_SECONDS}, not 0.",
        )  # fmt: skip
    extra: dict[str, Any] = {}
    if action == "message":
        extra["text"] = _text(data, "text", MESSAGE_MAX, required=True)
        extra["flash"] = bool(data.get("flash", False))
    return action, command_id, seconds if action == "adjust" else None, extra


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
    settled = clock.settle(state, _plans(views), at) if views else state
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
        raise ApiError(401, "unauthenticated", "Sign in with your staff link or send a valid Bearer token.")
    stale: ApiError | None = None
    with session_scope() as s:
        row, state, views = _load(s, room_id, lock=True)  # 404 for an unknown room
        if not principal.can_chair_room(room_id):
            raise ApiError(403, "forbidden", "Only this room's chair or an organizer may run its timer.")
        ratelimit.hit(COMMAND_LIMIT, "timer", str(principal.staff_id),
                      message="Too many timer commands at once. Wait a moment.")  # fmt: skip
        action, command_id, seconds, extra = parse_command(data)
        at = now_ms()
        tz = _tz(s)
        seen = s.exec(
            select(TimerCommand).where(TimerCommand.room_id == room_id, TimerCommand.command_id == command_id)
        ).first()
        expected = expected_revision(data)
        if action in MESSAGE_ACTIONS:
            expected = None  # a message does not depend on the clock: never stale
        if seen is not None:  # a repeat (double tap, retry after a lost ack): the state as it is, unchanged
            settled = clock.settle(state, _plans(views), at) if views else state
            payload = {**_payload(row, settled, views, tz, at), "duplicate": True}
        elif expected is not None and _is_stale(s, room_id, state, views, expected, at):
            # Pressed on a state a later command has replaced (a double tap, a second chair's phone): refused whole.
            settled = clock.settle(state, _plans(views), at) if views else state
            snapshot = _payload(row, settled, views, tz, at)
            stale = ApiError(409, "stale", "The timer changed after this was pressed; it now shows the current "
                             "state. Press again if you still want it.", snapshot=snapshot)  # fmt: skip
        else:
            if action in MESSAGE_ACTIONS:
                new = replace(clock.settle(state, _plans(views), at) if views else state, revision=state.revision + 1)
                _message(row, action, extra, at)
            else:
                try:
                    new = clock.apply(state, _plans(views), action, at, seconds)
                except ClockError as err:
                    raise ApiError(409, err.code, err.message) from err
            _save(s, row, state, new, views, at)
            row.last_command_id = command_id
            s.add(TimerCommand(room_id=room_id, command_id=command_id, action=action, staff_id=principal.staff_id,
                               revision=new.revision))  # fmt: skip
            s.exec(delete(TimerCommand).where(TimerCommand.created_at < utcnow() - KEEP_COMMANDS))
            payload = _payload(row, new, views, tz, at)
    if stale is not None:
        _add_presence(stale.extra["snapshot"])
        raise stale
    _add_presence(payload)
    if seen is None:
        metrics.TIMER_COMMANDS.labels(action=action).inc()
        fields = {"room_id": room_id, "action": action, "staff_id": principal.staff_id,
                  "slot_id": payload["slot_id"], "revision": payload["revision"]}  # fmt: skip
        log.info("timer command", extra={"fields": fields})
        _announce(room_id, payload, program=action not in MESSAGE_ACTIONS)
    return payload


def _message(row: TimerRow, action: str, extra: dict[str, Any], at: int) -> None:
    if action == "message":
        row.message_text, row.message_flash = extra["text"], extra["flash"]
    elif action == "flash":
        row.message_flash = True
    else:
        row.message_text, row.message_flash = "", False
    row.message_at_ms = at


# --- pushes ----------------------------------------------------------------------------------------------


_last_push: dict[str, float] = {}  # room -> monotonic time of its last push (keyframes skip busy rooms)
_keyframed_revision: dict[str, int] = {}  # room -> its revision at the keyframe task's last beat


def _announce(room_id: str, payload: dict[str, Any], *, program: bool = True) -> None:
    _last_push[room_id] = time.monotonic()
    forget_timer_snapshot(room_id)
    publish(channel(room_id), "timer", payload)
    if program:
        publish_program_soon()


_program_pending = threading.Lock()
PROGRAM_PUSH_DELAY = 0.3  # seconds: a burst of commands makes one push, after the timer's fan-out


def publish_program_soon() -> None:
    """The day plan follows the timer: pushed a moment later, once per burst, and only if someone on this server
    follows it (the timer's own fan-out goes first). Each server pushes its own pages: the one that ran the command
    from here, the others when the timer event reaches them through the queue (timer/events.py), so no server
    builds the program for nobody or sends it to the others. At once under tests."""
    app = current_app._get_current_object()
    if app.config.get("TESTING"):
        publish_program(local_only=True)
        return
    if not has_local_subscribers(PROGRAM_CHANNEL) or not _program_pending.acquire(blocking=False):
        return  # nobody to tell, or a push already queued (it will read the newest state)

    def run() -> None:
        socketio.sleep(PROGRAM_PUSH_DELAY)
        try:
            with app.app_context():
                _program_pending.release()
                publish_program(local_only=True)
        except Exception:  # a failed push must not kill the worker; the next change or keyframe heals it
            log.exception("program push failed")

    socketio.start_background_task(run)


KEYFRAMES_KEY = "eventapp.timer.keyframes"
_keyframes_lock = threading.Lock()


def ensure_keyframes(app: Flask) -> None:
    """Start the keyframe task once per app (one per server process; not under tests unless TIMER_KEYFRAMES)."""
    if KEYFRAMES_KEY in app.extensions or not app.config.get("TIMER_KEYFRAMES", not app.config.get("TESTING")):
        return
    with _keyframes_lock:
        if KEYFRAMES_KEY in app.extensions:
            return
        app.extensions[KEYFRAMES_KEY] = {"running": True}
    socketio.start_background_task(_keyframe_loop, app)


def stop_keyframes(app: Flask) -> None:
    """Let the keyframe task end at its next beat (tests; a server simply exits)."""
    if KEYFRAMES_KEY in app.extensions:
        app.extensions[KEYFRAMES_KEY]["running"] = False


def _keyframe_loop(app: Flask) -> None:
    """Every few seconds, each room's state again (lost packets heal; a talk that ran out flows into Q&A);
    now and then the program too while a pause or an overtime moves the day's forecast."""
    beat = 0
    period = app.config.get("TIMER_KEYFRAME_SECONDS", KEYFRAME_SECONDS)
    queue_seen = queue_watch.state.changes
    streak = FailureStreak(log, "timer keyframes")  # a database outage: one line when it starts, one when it ends
    while app.extensions[KEYFRAMES_KEY]["running"]:
        socketio.sleep(period)
        if not app.extensions[KEYFRAMES_KEY]["running"]:
            break
        beat += 1
        # A change made on another server reached this one's screens only if the queue stayed up since the last beat.
        queue_delivered = not queue_watch.is_down() and queue_watch.state.changes == queue_seen
        queue_seen = queue_watch.state.changes
        try:
            with app.app_context():
                with session_scope() as s:
                    rooms = list(s.exec(select(TimerRow.room_id)))
                drifting = False
                for room_id in rooms:
                    payload = get_timer(room_id)
                    if _due_for_keyframe(room_id, payload["revision"], period, queue_delivered=queue_delivered):
                        _last_push[room_id] = time.monotonic()
                        # Every server keyframes its own screens: through the queue each would get them twice.
                        publish(channel(room_id), "timer", payload, local_only=True)
                    drifting |= payload["state"] == "paused" or payload["phase"] == "overtime"
                if drifting and beat % 3 == 0 and has_local_subscribers(PROGRAM_CHANNEL):
                    publish_program(local_only=True)  # every server beats for its own pages
        except Exception as exc:  # keep beating: the next keyframe may succeed
            if database_unavailable(exc) is None:
                log.exception("timer keyframe failed")
            else:
                streak.failed(exc)
        else:
            streak.succeeded()


def _due_for_keyframe(room_id: str, revision: int, period: float, *, queue_delivered: bool = True) -> bool:
    """Whether a room's screens need a keyframe at this beat. A room pushed within the period needs none (and a
    fan-out saved is latency saved): pushed by this server, or changed since the last beat, which means pushed by
    whichever server changed it, through the queue to every server's screens; but only if the queue delivered
    (`queue_delivered`: it stayed up since the last beat), else that push may never have arrived."""
    changed = _keyframed_revision.get(room_id) != revision
    _keyframed_revision[room_id] = revision
    pushed_elsewhere = changed and queue_delivered
    return not pushed_elsewhere and time.monotonic() - _last_push.get(room_id, 0.0) >= period * 0.9


# --- the day plan ----------------------------------------------------------------------------------------


def plan_extension(payload: dict[str, Any], now: Any) -> None:
    """Adds planned/actual/expected times per slot and each room's forecast to the program payload."""
    from .plan import Actual, Current, PlannedSlot, expected_end, forecast

    at = int(now.timestamp() * 1000)
    tz = payload["event"]["timezone"]
    with session_scope() as s:
        rooms = [r["id"] for r in payload["rooms"]]
        views = {room_id: slot_views(s, room_id) for room_id in rooms}
        rows = {r.room_id: r for r in s.exec(select(TimerRow))}
        segments = list(s.exec(select(TimerSegment)))

    def iso(ms: int | None) -> str | None:
        return None if ms is None else schedule.local_iso(_from_ms(ms), tz)

    by_slot: dict[str, dict[str, Any]] = {}
    plan_rooms: dict[str, Any] = {}
    timer_now: tuple[str, str | None] | None = None
    for room_id, room_views in views.items():
        if not room_views:
            continue
        actual: dict[str, Actual] = {}
        for seg in segments:
            if seg.room_id != room_id:
                continue
            got = actual.get(seg.slot_id, Actual(None, None))
            start = seg.started_at_ms if got.start_ms is None else min(got.start_ms, seg.started_at_ms)
            ends = [x.ended_at_ms for x in segments if x.room_id == room_id and x.slot_id == seg.slot_id]
            actual[seg.slot_id] = Actual(start, None if None in ends else max(ends))
        row = rows.get(room_id)
        current = None
        state_name = "idle"
        if row is not None and row.clock:
            state = TimerState.from_dict(row.clock)
            plans = _plans(room_views)
            if row.slot_id in [v.id for v in room_views]:
                state = replace(state, slot_index=[v.id for v in room_views].index(row.slot_id))
                state = clock.settle(state, plans, at)
                state_name = state.state
                if state.state in ("running", "paused"):
                    left = clock.slot_remaining(state, plans[state.slot_index], at)
                    current = Current(row.slot_id, at + left)
                elif state.state == "idle" and actual:
                    current = Current(row.slot_id, None)
        planned = [
            PlannedSlot(v.id, int(v.starts_at.timestamp() * 1000), (v.talk_seconds + v.qa_seconds) * 1000,
                        v.fixed_start, _min_duration(v))
            for v in room_views
        ]  # fmt: skip
        rows_out = forecast(planned, actual, current, at)
        for f in rows_out:
            by_slot[f.id] = {
                "actual_start": iso(f.actual_start_ms), "actual_end": iso(f.actual_end_ms),
                "expected_start": iso(f.expected_start_ms), "expected_end": iso(f.expected_end_ms),
                "delay_seconds": round(f.delay_ms / 1000),
            }  # fmt: skip
        # The day's delay: how late the next slot will start (the current one's overrun included).
        ids = [f.id for f in rows_out]
        if current is not None and ids.index(current.slot_id) + 1 < len(ids):
            now_row = rows_out[ids.index(current.slot_id) + 1]
        elif current is not None:
            now_row = rows_out[-1]
        else:
            now_row = next((f for f in rows_out if f.expected_end_ms > at), rows_out[-1])
        plan_end = max(p.start_ms + p.duration_ms for p in planned)
        end = expected_end(rows_out)
        # "Now" is what is happening: the slot the timer runs or holds paused; the plan only while the timer rests.
        if state_name in ("running", "paused") and current is not None:
            now_id = current.slot_id
            at_index = [v.id for v in room_views].index(now_id)
            next_id = room_views[at_index + 1].id if at_index + 1 < len(room_views) else None
        else:
            by_plan, upcoming = schedule.now_and_next(room_views, now)
            now_id, next_id = (by_plan.id if by_plan else None), (upcoming.id if upcoming else None)
        if state_name in ("running", "paused") and timer_now is None:
            timer_now = (now_id, next_id)
        plan_rooms[room_id] = {
            "current_slot_id": now_id, "next_slot_id": next_id,
            "now_from": "timer" if state_name in ("running", "paused") else "plan", "timer_state": state_name,
            "delay_seconds": round(now_row.delay_ms / 1000), "planned_end": iso(plan_end),
            "expected_end": iso(end), "end_delay_seconds": round(((end or plan_end) - plan_end) / 1000),
        }  # fmt: skip
    for session in payload["sessions"]:
        for slot in session["slots"]:
            slot.update(by_slot.get(slot["id"], {}))
    payload["plan"] = {"rooms": plan_rooms}
    if timer_now is not None:  # the first room (in the program's order) whose timer runs decides the page's "now"
        payload["now"]["current_slot_id"], payload["now"]["next_slot_id"] = timer_now


def _min_duration(v: SlotView) -> int | None:
    """Breaks may shrink to half their length so that a fixed start after them holds; talks keep theirs."""
    return (v.talk_seconds + v.qa_seconds) * 500 if v.kind == "break" else None


def _from_ms(ms: int):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, tz=UTC)


extend_program_payload(plan_extension)
