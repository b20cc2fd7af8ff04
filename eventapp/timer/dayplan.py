"""The day plan: the timer's part of the program payload (each slot's actual and expected times, each room's
forecast and delay, and which slot is "now"), added when program builds the payload (the `program_payload`
signal, connected in timer/events.py). The forecast itself is pure (plan.py); this reads what it needs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import select

from ..db import session_scope
from ..program import schedule
from ..program.service import SlotView, slot_views
from . import clock
from .clock import TimerState
from .models import TimerRow, TimerSegment
from .plan import Actual, Current, PlannedSlot, expected_end, forecast
from .state import from_ms
from .state import plans as slot_plans


def plan_extension(payload: dict[str, Any], now: Any) -> None:
    """Adds planned/actual/expected times per slot and each room's forecast to the program payload."""
    at = int(now.timestamp() * 1000)
    tz = payload["event"]["timezone"]
    with session_scope() as s:
        rooms = [r["id"] for r in payload["rooms"]]
        views = {room_id: slot_views(s, room_id) for room_id in rooms}
        rows = {r.room_id: r for r in s.exec(select(TimerRow))}
        segments = list(s.exec(select(TimerSegment)))

    def iso(ms: int | None) -> str | None:
        return None if ms is None else schedule.local_iso(from_ms(ms), tz)

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
            plans = slot_plans(room_views)
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
            PlannedSlot(
                v.id,
                int(v.starts_at.timestamp() * 1000),
                (v.talk_seconds + v.qa_seconds) * 1000,
                v.fixed_start,
                _min_duration(v),
            )
            for v in room_views
        ]
        rows_out = forecast(planned, actual, current, at)
        for f in rows_out:
            by_slot[f.id] = {
                "actual_start": iso(f.actual_start_ms),
                "actual_end": iso(f.actual_end_ms),
                "expected_start": iso(f.expected_start_ms),
                "expected_end": iso(f.expected_end_ms),
                "delay_seconds": round(f.delay_ms / 1000),
            }
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
            "current_slot_id": now_id,
            "next_slot_id": next_id,
            "now_from": "timer" if state_name in ("running", "paused") else "plan",
            "timer_state": state_name,
            "delay_seconds": round(now_row.delay_ms / 1000),
            "planned_end": iso(plan_end),
            "expected_end": iso(end),
            "end_delay_seconds": round(((end or plan_end) - plan_end) / 1000),
        }
    for session in payload["sessions"]:
        for slot in session["slots"]:
            slot.update(by_slot.get(slot["id"], {}))
    payload["plan"] = {"rooms": plan_rooms}
    if timer_now is not None:  # the first room (in the program's order) whose timer runs decides the page's "now"
        payload["now"]["current_slot_id"], payload["now"]["next_slot_id"] = timer_now


def _min_duration(v: SlotView) -> int | None:
    """Breaks may shrink to half their length so that a fixed start after them holds; talks keep theirs."""
    return (v.talk_seconds + v.qa_seconds) * 500 if v.kind == "break" else None
