"""A room's timer as stored and as every screen sees it: load (with the program's slots), save (with the actual
times its transition makes) and the public payload. No pushes, no commands: those build on this.

Every change is written before it is announced, so a restart (even kill -9) resumes the same deadline. The
screens get the state on change plus a keyframe every few seconds (never per-second ticks) and draw the
countdown from the deadline themselves.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session as DbSession
from sqlmodel import select

from ..db import utcnow
from ..program import schedule
from ..program.models import Event
from ..program.service import SlotView, room_or_404, slot_views
from . import clock
from .clock import SlotPlan, TimerState
from .models import TimerRow, TimerSegment


def now_ms() -> int:
    return int(time.time() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def plans(views: list[SlotView]) -> list[SlotPlan]:
    return [SlotPlan(v.id, v.kind, v.talk_seconds * 1000, v.qa_seconds * 1000) for v in views]


def _initial_index(views: list[SlotView]) -> int:
    """A new timer rests on the slot current by the plan (before the day the first, after it the last)."""
    current = schedule.current_by_plan(views, utcnow())
    return views.index(current) if current is not None else 0


def load(s: DbSession, room_id: str, *, lock: bool = False) -> tuple[TimerRow, TimerState, list[SlotView]]:
    room_or_404(room_id, s)
    views = slot_views(s, room_id)
    row = s.get(TimerRow, room_id, with_for_update=lock)
    if row is None or not row.clock:
        state = clock.initial(plans(views), _initial_index(views))
        row = row or TimerRow(room_id=room_id)
    else:
        state = TimerState.from_dict(row.clock)
        # The program may have changed under the timer: stay on the same slot id if it still exists.
        ids = [v.id for v in views]
        if row.slot_id in ids and ids.index(row.slot_id) != state.slot_index:
            state = replace(state, slot_index=ids.index(row.slot_id), undo=None)
        elif row.slot_id not in ids and views:
            state = replace(clock.initial(plans(views), _initial_index(views)), revision=state.revision + 1)
        # Until a chair's first command, the room's timer rests on the slot current by the plan and follows it
        # through the day (keyframes re-read it every few seconds); from the first command on, the chair leads.
        if not row.last_command_id and state.state == "idle" and views and state.slot_index != _initial_index(views):
            state = replace(clock.initial(plans(views), _initial_index(views)), revision=state.revision + 1)
    return row, state, views


def save(s: DbSession, row: TimerRow, old: TimerState, new: TimerState, views: list[SlotView], at_ms: int) -> None:
    """Write the new state and the actual times its transition makes."""
    slot_plans = plans(views)
    if views:
        for mark in clock.marks(old, new, slot_plans, at_ms):
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


def _slot_json(v: SlotView | None, tz: str) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "id": v.id,
        "kind": v.kind,
        "title": v.title,
        "presenter": v.presenter or None,
        "paper_id": v.paper_id,
        "mode": v.mode,
        "session_id": v.session_id,
        "starts_at": schedule.local_iso(v.starts_at, tz),
        "planned_start_ms": int(v.starts_at.timestamp() * 1000),
        "talk_seconds": v.talk_seconds,
        "qa_seconds": v.qa_seconds,
        # null while unknown (no check-in data); else whether an author is here (presence.add_presence).
        "presenter_present": None,
    }


def payload(row: TimerRow, state: TimerState, views: list[SlotView], tz: str, at_ms: int) -> dict[str, Any]:
    """The timer as every screen sees it (GET, the `timer` event, snapshots and keyframes)."""
    slot_plans = plans(views)
    current = views[state.slot_index] if views else None
    upcoming = views[state.slot_index + 1] if views and state.slot_index + 1 < len(views) else None
    plan = slot_plans[state.slot_index] if views else None
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


def tz(s: DbSession) -> str:
    event = s.exec(select(Event)).first()
    return event.timezone if event else "UTC"
