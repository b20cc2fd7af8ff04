"""The session timer as a pure state machine: plain data in, plain data out, times in epoch milliseconds.

A room's timer sits on one slot of the room's day. A slot has a talk segment and (optionally) a Q&A segment.
Running, the state holds a deadline (`ends_at_ms`); otherwise the time left (`remaining_ms`). When the talk's
deadline passes, the timer flows into Q&A by itself (the Q&A deadline is the talk deadline plus the Q&A length,
so the flow does not depend on when anyone looks). Past the last segment's deadline the remaining time goes
negative: overtime counts on until the chair moves on. No Flask, no database: `service.py` persists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

ACTIONS = ("start", "pause", "resume", "next", "previous", "qa", "adjust", "reset", "undo")
SEGMENTS = ("talk", "qa")
STATES = ("idle", "running", "paused", "finished")
MAX_ADJUST_SECONDS = 3600

# (warning, danger) thresholds in ms before a segment's end, per slot kind; the Q&A segment has its own.
THRESHOLDS: dict[str, tuple[int, int]] = {
    "keynote": (300_000, 60_000),
    "paper": (120_000, 30_000),
    "break": (120_000, 30_000),
}
DEFAULT_THRESHOLDS = (120_000, 30_000)
QA_THRESHOLDS = (60_000, 15_000)


class ClockError(Exception):
    """A command that cannot apply in this state (the service turns it into a 409)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SlotPlan:
    """What the clock needs to know about one slot."""

    id: str
    kind: str
    talk_ms: int
    qa_ms: int


@dataclass(frozen=True)
class TimerState:
    slot_index: int
    segment: str = "talk"
    state: str = "idle"
    ends_at_ms: int | None = None  # only while running
    remaining_ms: int = 0  # while not running (negative when paused in overtime)
    revision: int = 0
    # The state before the last timer command, for a one-step undo (None: nothing to undo).
    undo: TimerState | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "slot_index": self.slot_index,
            "segment": self.segment,
            "state": self.state,
            "ends_at_ms": self.ends_at_ms,
            "remaining_ms": self.remaining_ms,
            "revision": self.revision,
            "undo": self.undo.to_dict() if self.undo else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimerState:
        undo = data.get("undo")
        return cls(
            slot_index=int(data["slot_index"]),
            segment=data["segment"],
            state=data["state"],
            ends_at_ms=data.get("ends_at_ms"),
            remaining_ms=int(data.get("remaining_ms", 0)),
            revision=int(data.get("revision", 0)),
            undo=cls.from_dict(undo) if undo else None,
        )


def thresholds(slot: SlotPlan, segment: str) -> tuple[int, int]:
    """(warning_ms, danger_ms) for a segment, never longer than the segment itself."""
    warning, danger = QA_THRESHOLDS if segment == "qa" else THRESHOLDS.get(slot.kind, DEFAULT_THRESHOLDS)
    length = segment_ms(slot, segment)
    return min(warning, length // 2), min(danger, length // 4)


def segment_ms(slot: SlotPlan, segment: str) -> int:
    return slot.qa_ms if segment == "qa" else slot.talk_ms


def initial(slots: list[SlotPlan], index: int) -> TimerState:
    """The timer resting on slot `index`, idle at the start of its talk."""
    if not slots:
        return TimerState(slot_index=0, state="finished")
    index = max(0, min(index, len(slots) - 1))
    return TimerState(slot_index=index, remaining_ms=slots[index].talk_ms)


def remaining(state: TimerState, now_ms: int) -> int:
    """Time left in the current segment (negative in overtime)."""
    if state.state == "running" and state.ends_at_ms is not None:
        return state.ends_at_ms - now_ms
    return state.remaining_ms


def slot_remaining(state: TimerState, slot: SlotPlan, now_ms: int) -> int:
    """Time left in the whole slot: the current segment plus the Q&A still to come."""
    left = remaining(state, now_ms)
    return left + (slot.qa_ms if state.segment == "talk" and state.state != "finished" else 0)


def settle(state: TimerState, slots: list[SlotPlan], now_ms: int) -> TimerState:
    """The state as of now: a running talk whose deadline has passed has flowed into its Q&A."""
    if state.state != "running" or state.segment != "talk" or state.ends_at_ms is None or not slots:
        return state
    slot = slots[state.slot_index]
    if slot.qa_ms <= 0 or now_ms < state.ends_at_ms:
        return state
    return replace(state, segment="qa", ends_at_ms=state.ends_at_ms + slot.qa_ms, revision=state.revision + 1)


def phase(state: TimerState, slot: SlotPlan | None, now_ms: int) -> str:
    """idle | normal | warning | danger | overtime | paused | finished: what the screens colour."""
    if state.state in ("idle", "finished") or slot is None:
        return state.state
    left = remaining(state, now_ms)
    if left < 0:
        return "overtime"
    if state.state == "paused":
        return "paused"
    warning, danger = thresholds(slot, state.segment)
    if left <= danger:
        return "danger"
    if left <= warning:
        return "warning"
    return "normal"


def apply(state: TimerState, slots: list[SlotPlan], action: str, now_ms: int, seconds: int | None = None) -> TimerState:
    """The state after one command at `now_ms`. Returns `state` itself (same revision) when nothing changes."""
    if action not in ACTIONS:
        raise ClockError("unknown_action", f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}.")
    if not slots:
        raise ClockError("no_slots", "This room has no slots in the program.")
    state = settle(state, slots, now_ms)
    if action == "undo":
        if state.undo is None:
            raise ClockError("nothing_to_undo", "There is no command to undo.")
        # Back to the earlier state as it was, deadline included; its own undo is gone (one step only).
        return replace(state.undo, revision=state.revision + 1, undo=None)
    new = _step(state, slots, action, now_ms, seconds)
    if new == state:
        return state
    return replace(new, revision=state.revision + 1, undo=replace(state, undo=None))


def _step(state: TimerState, slots: list[SlotPlan], action: str, now_ms: int, seconds: int | None) -> TimerState:
    slot = slots[state.slot_index]
    left = remaining(state, now_ms)
    if action == "start":
        if state.state in ("idle", "paused"):
            return replace(state, state="running", ends_at_ms=now_ms + left, remaining_ms=0)
        return state
    if action == "resume":
        if state.state == "paused":
            return replace(state, state="running", ends_at_ms=now_ms + left, remaining_ms=0)
        return state
    if action == "pause":
        if state.state == "running":
            return replace(state, state="paused", ends_at_ms=None, remaining_ms=left)
        return state
    if action == "next":
        if state.state == "finished" or state.slot_index >= len(slots) - 1:
            if state.state == "finished":
                return state
            return TimerState(slot_index=len(slots) - 1, state="finished", remaining_ms=0, revision=state.revision)
        return replace(initial(slots, state.slot_index + 1), revision=state.revision)
    if action == "previous":
        if state.state == "finished":
            return replace(initial(slots, state.slot_index), revision=state.revision)
        return replace(initial(slots, max(0, state.slot_index - 1)), revision=state.revision)
    if action == "reset":
        return replace(initial(slots, state.slot_index), revision=state.revision)
    if action == "qa":
        if state.state == "finished":
            raise ClockError("finished", "The day's last slot is over; go back to a slot first.")
        if slot.qa_ms <= 0:
            raise ClockError("no_qa", "This slot has no Q&A segment.")
        if state.segment == "qa":
            return state
        if state.state == "running":
            return replace(state, segment="qa", ends_at_ms=now_ms + slot.qa_ms)
        return replace(
            state, segment="qa", state="paused" if state.state == "paused" else "idle", remaining_ms=slot.qa_ms
        )
    if action == "adjust":
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds == 0:
            raise ClockError("invalid_seconds", "adjust needs a whole, non-zero number of seconds.")
        if abs(seconds) > MAX_ADJUST_SECONDS:
            raise ClockError("invalid_seconds", f"adjust takes at most {MAX_ADJUST_SECONDS} seconds either way.")
        if state.state == "finished":
            raise ClockError("finished", "The day's last slot is over; there is no time to adjust.")
        delta = seconds * 1000
        if state.state == "running":
            return replace(state, ends_at_ms=state.ends_at_ms + delta)
        return replace(state, remaining_ms=state.remaining_ms + delta)
    raise AssertionError(action)  # pragma: no cover - ACTIONS is checked above


# --- what happened, for the record of actual times -------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """A segment began ("start") or ended ("end") at `at_ms`; "clear" forgets a slot's record (a reset)."""

    kind: str
    slot_index: int
    segment: str
    at_ms: int


def marks(old: TimerState, new: TimerState, slots: list[SlotPlan], now_ms: int) -> list[Mark]:
    """The actual-time records a transition makes. A flow from talk to Q&A is stamped at the talk's deadline.

    "start": a segment runs afresh (its start is set, its end forgotten); "reopen": a segment runs again after
    an undo (its end is forgotten, its start kept); "end": it stopped; "clear": the slot was reset to idle.
    """
    out: list[Mark] = []
    flowed = settle(old, slots, now_ms)
    if flowed is not old and old.ends_at_ms is not None:
        out.append(Mark("end", old.slot_index, "talk", old.ends_at_ms))
        out.append(Mark("start", old.slot_index, "qa", old.ends_at_ms))
        old = flowed
    active = ("running", "paused")
    same_place = (old.slot_index, old.segment) == (new.slot_index, new.segment) and "finished" not in (
        old.state,
        new.state,
    )
    if old.state in active and not (same_place and new.state in active):
        out.append(Mark("end", old.slot_index, old.segment, now_ms))
    if new.state in active and not (same_place and old.state in active):
        fresh = (same_place and old.state == "idle") or (old.state in active and old.slot_index == new.slot_index)
        out.append(Mark("start" if fresh else "reopen", new.slot_index, new.segment, now_ms))
    if new.state == "idle" and new.segment == "talk" and old.slot_index == new.slot_index and old.state != "finished":
        out.append(Mark("clear", new.slot_index, "talk", now_ms))
    return out
