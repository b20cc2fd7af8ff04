"""The presentation record, as plain functions on plain data: one status per accepted paper, with its evidence.

The first status that applies:

presented_in_person  the paper's slot ran and an author had checked in (in person) before the slot ended
presented_remote     the slot ran as an approved remote presentation (the program's slot mode is "remote")
excused              an organizer recorded an exception, with who and why (check-in's excuse)
no_show              the slot is over, or the timer passed over it, without any of the above
not_yet              none of the above yet (the day is not over for this paper)

An organizer's override wins over all of them (a talk given in another session, say) and keeps its reason.

A slot "ran" when the room's timer started its talk segment; its actual start is the first start, its actual end
when the timer left it. In a room whose timer was never used the plan stands in for the timer ("no timer
record"): the slot ran when its planned end has passed, and its planned times stand in for its actual ones (the
report then shows no actual times).

No Flask, no database: `gather.py` reads the facts and `payload.py` shapes the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

STATUSES = ("presented_in_person", "presented_remote", "excused", "no_show", "not_yet")
CLOSE_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class Arrival:
    """A person's active in-person check-in."""

    person_id: int
    at: datetime
    device: str = ""
    volunteer: str = ""


@dataclass(frozen=True)
class Run:
    """What the timer recorded for one slot (all segments together)."""

    started_at: datetime  # the talk's first start
    ended_at: datetime | None  # when the timer left the slot; None while it is still on it


@dataclass(frozen=True)
class SlotFacts:
    slot_id: str
    room_id: str
    index: int  # the slot's place in its room's day (the timer's order)
    planned_start: datetime
    planned_end: datetime
    mode: str = "in_person"
    run: Run | None = None


@dataclass(frozen=True)
class RoomTimer:
    """A room's timer: used at all (any command or recorded segment), the slot index it is on, and whether the
    room's day is long over (its last planned end + CLOSE_AFTER): a slot the timer still stands on then counts as
    over (the chair went home without pressing next)."""

    used: bool
    index: int | None = None
    closed: bool = False


@dataclass(frozen=True)
class Mark:
    """An organizer's note on a paper: a check-in excuse or a report override."""

    reason: str
    by: str
    at: datetime
    status: str = "excused"  # an override's status


@dataclass(frozen=True)
class PaperFacts:
    paper_id: str
    author_ids: tuple[int, ...]
    slots: tuple[SlotFacts, ...] = ()  # usually one; a moved talk may have two
    excuse: Mark | None = None
    override: Mark | None = None


@dataclass(frozen=True)
class SlotOutcome:
    """One slot as the record sees it: ran (and is over), running, passed over, or ahead."""

    slot: SlotFacts
    phase: str  # over | running | passed | ahead
    start: datetime | None  # actual (or planned, without a timer record) start
    end: datetime | None  # actual (or planned) end; None while running or ahead
    timer_record: bool


@dataclass(frozen=True)
class Record:
    paper_id: str
    status: str
    slot: SlotOutcome | None  # the slot the status rests on (the one that ran, else the first)
    present: tuple[Arrival, ...]  # authors checked in (in person), in order of arrival
    present_in_time: tuple[Arrival, ...]  # of those, before the slot's end
    note: str
    overridden: bool = False
    derived_status: str = ""  # the status before an override


def slot_outcome(slot: SlotFacts, timer: RoomTimer, now: datetime) -> SlotOutcome:
    if not timer.used:
        if slot.planned_end <= now:
            return SlotOutcome(slot, "over", slot.planned_start, slot.planned_end, False)
        if slot.planned_start <= now:
            return SlotOutcome(slot, "running", slot.planned_start, None, False)
        return SlotOutcome(slot, "ahead", None, None, False)
    if slot.run is not None:
        on_it = timer.index == slot.index
        if slot.run.ended_at is not None and not (on_it and slot.run.ended_at > now):
            return SlotOutcome(slot, "over", slot.run.started_at, slot.run.ended_at, True)
        if not on_it or timer.closed:  # left without an end mark, or never left at all: the end is unknown
            return SlotOutcome(slot, "over", slot.run.started_at, slot.run.ended_at, True)
        return SlotOutcome(slot, "running", slot.run.started_at, None, True)
    if timer.index is not None and timer.index > slot.index:
        return SlotOutcome(slot, "passed", None, None, True)
    return SlotOutcome(slot, "ahead", None, None, True)


def end_limit(outcome: SlotOutcome) -> datetime | None:
    """Arrivals up to this moment count for the slot: its end, or, when the timer recorded none, its start plus its
    planned length."""
    if outcome.phase != "over":
        return None
    if outcome.end is not None:
        return outcome.end
    return outcome.start + (outcome.slot.planned_end - outcome.slot.planned_start)


def _in_time(arrivals: tuple[Arrival, ...], outcome: SlotOutcome) -> tuple[Arrival, ...]:
    limit = end_limit(outcome)
    return () if limit is None else tuple(a for a in arrivals if a.at <= limit)


def decide(
    paper: PaperFacts,
    arrivals: Mapping[int, Arrival],
    timers: Mapping[str, RoomTimer],
    now: datetime,
    day_over: bool,
) -> Record:
    """The one status of one paper, with the slot it rests on and the authors present."""
    present = tuple(sorted((arrivals[a] for a in paper.author_ids if a in arrivals), key=lambda a: a.at))
    outcomes = [slot_outcome(s, timers.get(s.room_id, RoomTimer(False)), now) for s in paper.slots]
    over = [o for o in outcomes if o.phase == "over"]
    status, note, basis, in_time = "", "", None, ()
    for o in over:
        got = _in_time(present, o)
        if got:
            status, basis, in_time = "presented_in_person", o, got
            break
    if not status and not paper.slots and present and day_over:
        status, in_time = "presented_in_person", present
        note = "No talk slot: an author checked in."
    if not status:
        remote = [o for o in over if o.slot.mode == "remote"]
        if remote:
            status, basis = "presented_remote", remote[0]
            note = "Approved remote presentation."
    if not status and paper.excuse is not None:
        status, note = "excused", f"Excused by {paper.excuse.by or 'an organizer'}: {paper.excuse.reason}"
    if not status and (over or any(o.phase == "passed" for o in outcomes) or (not paper.slots and day_over)):
        status = "no_show"
        basis = over[0] if over else next((o for o in outcomes if o.phase == "passed"), None)
        note = _no_show_note(present, basis)
    if not status:
        status = "not_yet"
        running = next((o for o in outcomes if o.phase == "running"), None)
        note = "The talk is under way." if running else ""
        basis = running
    if basis is None and outcomes:
        basis = over[0] if over else outcomes[0]
    if basis is not None and basis.phase == "over" and basis.timer_record and basis.end is None:
        note = (note + " " if note else "") + "The timer recorded no end for this slot."
    if basis is not None and not basis.timer_record:
        note = (note + " " if note else "") + "No timer record: judged by the planned times."
    derived = status
    if paper.override is not None:
        reason = paper.override.reason
        by = paper.override.by or "an organizer"
        return Record(
            paper.paper_id, paper.override.status, basis, present, in_time, f"Set by {by}: {reason}", True, derived
        )
    return Record(paper.paper_id, status, basis, present, in_time, note.strip(), False, derived)


def _no_show_note(present: tuple[Arrival, ...], basis: SlotOutcome | None) -> str:
    if basis is not None and basis.phase == "passed":
        head = "The timer passed over this slot."
    elif basis is None:
        head = "No talk slot."
    else:
        head = "The slot is over."
    if not present:
        return f"{head} No author checked in."
    if basis is None or basis.phase == "passed":
        return f"{head} An author had checked in."
    return f"{head} An author checked in, but only after the slot ended."


def decide_all(
    papers: Iterable[PaperFacts],
    arrivals: Mapping[int, Arrival],
    timers: Mapping[str, RoomTimer],
    now: datetime,
    day_over: bool,
) -> list[Record]:
    return [decide(p, arrivals, timers, now, day_over) for p in papers]


def summarize(records: Iterable[Record]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for r in records:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts
