"""The day's plan against reality: actual starts, expected starts given the current delay, the expected end.

Pure maths on plain data (epoch ms). One room's slots in planned order. Delay carries from slot to slot; a slot
with a fixed start (lunch ends at 13:30), or one after a planned gap, absorbs it: it never starts before its
planned time and starts late only if what precedes it runs past that time. Breaks before a fixed start shrink
(down to their minimum, e.g. half a lunch) so that the fixed start holds. Ahead of plan carries on too, except
into a fixed start.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class PlannedSlot:
    id: str
    start_ms: int
    duration_ms: int
    fixed_start: bool = False
    min_duration_ms: int | None = None  # how short it may get to keep a later fixed start (breaks); None: fixed

    @property
    def slack_ms(self) -> int:
        return 0 if self.min_duration_ms is None else max(0, self.duration_ms - self.min_duration_ms)


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
    anchor = -1  # the last slot whose times are known or fixed: only later ones may shrink
    for i, slot in enumerate(slots):
        planned_end = slot.start_ms + slot.duration_ms
        got = actual.get(slot.id)
        gap = previous_planned_end is not None and slot.start_ms > previous_planned_end
        if cursor is None:
            chained = slot.start_ms
        elif slot.fixed_start or gap:
            if slot.fixed_start and cursor > slot.start_ms:
                cursor -= _shrink(out, slots, anchor + 1, cursor - slot.start_ms)
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
        elif (
            got and got.start_ms is not None and got.end_ms is not None and (current_index is None or i < current_index)
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
        if (current_index is not None and i <= current_index) or slot.fixed_start or got:
            anchor = i
    return out


def _shrink(out: list[SlotForecast], slots: list[PlannedSlot], first: int, overflow: int) -> int:
    """Shorten shrinkable slots in out[first:], latest first, by up to `overflow` in all; later ones move up.
    Returns how much was taken."""
    taken = 0
    for j in range(len(out) - 1, first - 1, -1):
        take = min(slots[j].slack_ms, overflow - taken)
        if take <= 0:
            continue
        out[j] = replace(out[j], expected_end_ms=out[j].expected_end_ms - take)
        for k in range(j + 1, len(out)):
            out[k] = replace(
                out[k], expected_start_ms=out[k].expected_start_ms - take, expected_end_ms=out[k].expected_end_ms - take
            )
        taken += take
        if taken >= overflow:
            break
    return taken


def expected_end(forecasts: list[SlotForecast]) -> int | None:
    return forecasts[-1].expected_end_ms if forecasts else None
