"""The program's answer shapes (see eventapp/schemas.py): the day's program, as GET /api/v1/program answers, the
`program` channel's snapshot and the `program` push. Times are ISO 8601 with the event's offset.

The timer adds its day plan to the same payload (timer/dayplan.py, through the `program_payload` signal): each
slot's actual and expected times and `plan`. They are declared here, beside the rest of the payload, as optional:
the program is whole without them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..schemas import Answer


class ProgramEvent(Answer):
    """The event the program belongs to."""

    name: str
    short_name: str
    host: str = Field(description="what the event is part of (e.g. the conference), or empty")
    date: str = Field(description="the day, YYYY-MM-DD")
    timezone: str = Field(description="the event's IANA time zone; every time in the program is in it")
    in_person_rule: bool = Field(description="each accepted paper needs an author present in person")
    rule_text: str = Field(description="the rule in the event's own words, or empty")
    synthetic: bool = Field(description="demo data, not a real event")
    synthetic_note: str


class ProgramRoom(Answer):
    """A room of the day."""

    id: str
    name: str
    stream_url: str | None = Field(description="the room's stream for remote viewers, if any")


class ProgramSlot(Answer):
    """A slot of a session: a talk, a break, a keynote, ...; with the timer's day plan when the timer adds it."""

    id: str
    kind: str = Field(description="keynote, paper, break, opening, closing, panel, other, or another plain word")
    title: str
    starts_at: str = Field(description="planned start")
    ends_at: str = Field(description="planned end (talk and Q&A)")
    paper_id: str | None
    talk_seconds: int = Field(description="the talk, or the whole break")
    qa_seconds: int
    presenter: str | None
    presenter_person_id: int | None
    mode: str = Field(description="in_person or remote")
    fixed_start: bool = Field(description="the slot starts at its planned time whatever runs late before it")
    note: str | None
    actual_start: str | None = Field(default=None, description="day plan: when the timer started it")
    actual_end: str | None = Field(default=None, description="day plan: when the timer ended it")
    expected_start: str | None = Field(default=None, description="day plan: when it starts, given the delay so far")
    expected_end: str | None = Field(default=None, description="day plan: when it ends, given the delay so far")
    delay_seconds: int | None = Field(
        default=None, description="day plan: how late (negative: early) it starts, actually or by forecast"
    )


class ProgramSessionEntry(Answer):
    """A session: its room, chair and slots (start and end from its slots; null without any)."""

    id: str
    room_id: str
    title: str
    chair: str | None = Field(description="the chair's name")
    chair_person_id: int | None
    starts_at: str | None
    ends_at: str | None
    slots: list[ProgramSlot]


class ProgramAuthor(Answer):
    """An author of a paper, in the paper's order."""

    person_id: int
    name: str


class ProgramPaper(Answer):
    """An accepted paper."""

    id: str
    title: str
    format: str = Field(description='e.g. "long oral", "short oral", "poster", or empty')
    authors: list[ProgramAuthor]


class ProgramNoteEntry(Answer):
    """A note to the audience about a change of program."""

    text: str
    slot_id: str | None = Field(description="the slot it is about, if one")
    created_at: str


class ProgramNow(Answer):
    """What is on now: by the plan, or by the first room whose timer runs (with the timer's day plan)."""

    at: str = Field(description="the moment the program was built")
    current_slot_id: str | None
    next_slot_id: str | None


class DayPlanRoom(Answer):
    """The timer's day plan for one room: what is on, and how late the day runs."""

    current_slot_id: str | None
    next_slot_id: str | None
    now_from: Literal["timer", "plan"] = Field(description="whether now is what the timer runs or the plan says")
    timer_state: str = Field(description="the room's timer: idle, running, paused or finished")
    delay_seconds: int = Field(description="how late (negative: early) the next slot will start")
    planned_end: str = Field(description="when the room's day ends by the plan")
    expected_end: str | None = Field(description="when the room's day ends, given the delay")
    end_delay_seconds: int = Field(description="how late (negative: early) the room's day ends")


class DayPlan(Answer):
    """The timer's day plan: each room that has slots, by room id."""

    rooms: dict[str, DayPlanRoom]


class Program(Answer):
    """The whole day: event, rooms, sessions with their slots, papers, notes and what is on now."""

    event: ProgramEvent
    rooms: list[ProgramRoom]
    sessions: list[ProgramSessionEntry]
    papers: list[ProgramPaper]
    notes: list[ProgramNoteEntry]
    now: ProgramNow
    plan: DayPlan | None = Field(default=None, description="added by the timer")


PUSHES: dict[str, type[Answer]] = {"program": Program}
SNAPSHOTS: dict[str, type[Answer]] = {"program": Program}
