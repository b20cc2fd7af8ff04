"""The day's plan against reality: actual starts, expected starts given the current delay, the expected end.

Pure maths on plain data (epoch ms). One room's slots in planned order. Delay carries from slot to slot; a slot
with a fixed start (lunch ends at 13:30), or one after a planned gap, absorbs it: it never starts before its
planned time and starts late only if what precedes it runs past that time. Ahead of plan carries on too, except
into a fixed start.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlannedSlot:
    id: str
    start_ms: int
    duration_ms: int
    fixed_start: bool = False


@dataclass(frozen=True)
class Actual:
    start_ms: int | None
    end_ms: int | None  # None while the slot is still on


@dataclass(frozen=True)
class Current:
    """The slot the room's timer is on and when it expects to be done with it (None when idle)."""

    slot_id: str
    expected_end_ms: int | None


@dataclass(frozen=True)
class SlotForecast:
    id: str
    planned_start_ms: int
    planned_end_ms: int
    actual_start_ms: int | None
    actual_end_ms: int | None
    expected_start_ms: int
    expected_end_ms: int

    @property
    def delay_ms(self) -> int:
        """How late (positive) or early (negative) the slot starts, actually or by forecast."""
        start = self.actual_start_ms if self.actual_start_ms is not None else self.expected_start_ms
        return start - self.planned_start_ms


def forecast(
    slots: list[PlannedSlot], actual: dict[str, Actual], current: Current | None, now_ms: int
) -> list[SlotForecast]:
    """Every slot's planned, actual and expected times. With no current slot (the timer not in use), expected
    times follow the plan and whatever actual times there are."""
    out: list[SlotForecast] = []
    cursor: int | None = None  # when the previous slot ended or is expected to end
    previous_planned_end: int | None = None
    current_index = next((i for i, s in enumerate(slots) if current and s.id == current.slot_id), None)
    for i, slot in enumerate(slots):
        planned_end = slot.start_ms + slot.duration_ms
        got = actual.get(slot.id)
        gap = previous_planned_end is not None and slot.start_ms > previous_planned_end
        if cursor is None:
            chained = slot.start_ms
        elif slot.fixed_start or gap:
            chained = max(slot.start_ms, cursor)
        else:
            chained = cursor
        if current_index is not None and i == current_index:
            start = got.start_ms if got and got.start_ms is not None else max(chained, now_ms)
            if current.expected_end_ms is not None:
                end = max(current.expected_end_ms, now_ms)
            else:  # idle on it: it cannot start before now
                end = start + slot.duration_ms
            actual_start = got.start_ms if got else None
            out.append(SlotForecast(slot.id, slot.start_ms, planned_end, actual_start, None, start, end))
        elif got and got.start_ms is not None and got.end_ms is not None and (
            current_index is None or i < current_index
        ):
            out.append(
                SlotForecast(slot.id, slot.start_ms, planned_end, got.start_ms, got.end_ms, got.start_ms, got.end_ms)
            )
            end = got.end_ms
        else:
            # A later slot; or an earlier one that never ran on the timer, taken as run in turn.
            start = chained
            if current_index is not None and i > current_index:
                start = max(start, now_ms)
            end = start + slot.duration_ms
            out.append(SlotForecast(slot.id, slot.start_ms, planned_end, None, None, start, end))
        cursor = end
        previous_planned_end = planned_end
    return out


def expected_end(forecasts: list[SlotForecast]) -> int | None:
    return forecasts[-1].expected_end_ms if forecasts else None
