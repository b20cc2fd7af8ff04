"""The report's request shapes (an organizer's override of a paper's status, and the certificate's kind) and its
answers: the report itself (live, or as kept at purge, without people) and an override's result. Times are ISO
8601 with the event's offset."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from ..schemas import Answer, Schema, strip_bidi
from . import record
from .certificates import KINDS as CERTIFICATE_KINDS

REASON_MAX = 500


class OverrideBody(Schema):
    """PUT /api/v1/report/papers/<paper_id>: `status` (one of the record's, or null to clear) and why (logged)."""

    status: Any = None
    reason: Any = Field(default=None, validate_default=True)

    @field_validator("status", mode="before")
    @classmethod
    def _known_status(cls, value: Any) -> str | None:
        if value is not None and value not in record.STATUSES:
            raise PydanticCustomError(
                "api:invalid_status",
                "status must be one of {names}, or null to clear.",
                {"names": ", ".join(record.STATUSES)},
            )
        return value

    @field_validator("reason", mode="before")
    @classmethod
    def _said_why(cls, value: Any) -> str:
        text = strip_bidi(value).strip() if isinstance(value, str) else ""
        if not text or len(text) > REASON_MAX or "\x00" in text:
            raise PydanticCustomError(
                "api:invalid_reason", "reason must be text of 1 to {most} characters: say why.", {"most": REASON_MAX}
            )
        return text


class CertificateQuery(Schema):
    """GET /api/v1/people/<id>/certificate.pdf?kind=: which certificates of that person (all by default)."""

    kind: Any = "all"

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: Any) -> str:
        if value not in CERTIFICATE_KINDS:
            raise PydanticCustomError(
                "api:invalid_kind", "kind must be one of {names}.", {"names": ", ".join(CERTIFICATE_KINDS)}
            )
        return value


# --- answers -----------------------------------------------------------------------------------------------------


class ReportEvent(Answer):
    """The event the report is about."""

    name: str
    short_name: str
    date: str = Field(description="the day, YYYY-MM-DD")
    timezone: str
    host: str
    synthetic: bool = Field(description="demo data, not a real event")


class ReportSummary(Answer):
    """How many papers the report lists in each status."""

    presented_in_person: int
    presented_remote: int
    excused: int
    no_show: int
    not_yet: int


class ReportPresentAuthor(Answer):
    """An author checked in in person."""

    person_id: int
    name: str
    checked_in_at: str | None
    device: str = Field(description="the scanner's device name, or empty")
    volunteer: str = Field(description="the staff member who scanned, or empty")
    before_slot_end: bool = Field(description="checked in before the paper's slot ended")


class ReportAuthor(Answer):
    """An author of a paper."""

    person_id: int
    name: str


class ReportPaperQuestions(Answer):
    """The Q&A questions of a paper's slots."""

    asked: int
    answered: int


class ReportExcuse(Answer):
    """Why the paper's authors are excused (set at the door)."""

    reason: str
    by: str
    at: str | None


class ReportStatusOverride(Answer):
    """An organizer's status for the paper, and why."""

    status: str | None
    reason: str
    by: str
    at: str | None


class ReportPaper(Answer):
    """A paper's record: its status and what it rests on. Once purged, no one's arrival: `authors_present` is empty,
    `authors_present_count` says how many there were, and the personal fields are left out."""

    paper_id: str
    title: str
    status: str = Field(description="presented_in_person, presented_remote, excused, no_show or not_yet")
    derived_status: str = Field(description="the status before an organizer's override")
    authors_present: list[ReportPresentAuthor]
    authors: list[ReportAuthor]
    slot_id: str | None = Field(description="the slot the status rests on")
    room_id: str | None
    session_id: str | None
    session_title: str
    mode: str | None = Field(description="in_person or remote")
    presenter: str
    planned_start: str | None
    planned_end: str | None
    actual_start: str | None = Field(description="from the timer only")
    actual_end: str | None = Field(description="from the timer only")
    timer_record: bool = Field(description="the timer ran the slot (else it is judged by the plan)")
    chair: str | None
    questions: ReportPaperQuestions
    note: str = Field(description="why the status is what it is, in plain words")
    timer_run_by: list[str] | None = Field(
        default=None, description="who pressed the room's timer while the slot ran (not once purged)"
    )
    excuse: ReportExcuse | None = Field(default=None, description="not once purged")
    override: ReportStatusOverride | None = Field(default=None, description="not once purged")
    authors_present_count: int | None = Field(default=None, description="once purged: how many authors were present")


class ReportQuestions(Answer):
    """Q&A counts."""

    asked: int
    approved: int = Field(description="seen by the audience (visible or answered)")
    answered: int
    votes: int


class ReportTalk(Answer):
    """A talk (any slot but a break) and how its timing went."""

    slot_id: str
    kind: str
    title: str
    room_id: str
    paper_id: str | None
    presenter: str
    planned_start: str
    planned_seconds: int
    actual_start: str | None
    actual_end: str | None
    actual_seconds: int | None
    overrun_seconds: int | None = Field(description="actual minus planned length")
    drift_seconds: int | None = Field(description="how late (negative: early) it started")
    phase: str = Field(description="over, running, passed or ahead")
    timer_record: bool
    questions: ReportQuestions


class ReportDrift(Answer):
    """How late (or early) talks started against the plan: at worst, and at the last one that ran."""

    talks_timed: int
    max_seconds: int | None
    last_seconds: int | None
    last_slot_id: str | None


class ReportWithdrawn(Answer):
    """A paper withdrawn from the accepted ones (not in the record)."""

    paper_id: str
    title: str
    withdrawn_at: str | None


class ReportQuarter(Answer):
    """Check-ins in one quarter hour."""

    at: str
    hhmm: str
    count: int


class ReportAttendance(Answer):
    """Who came, as counts."""

    registered: int
    checked_in: int
    checked_in_in_person: int
    by_quarter_hour: list[ReportQuarter]


class Report(Answer):
    """The day's report: organizers see every room, chairs theirs. After purge, the one kept then (`purged`)."""

    event: ReportEvent
    generated_at: str
    final: bool = Field(description="the day is over: the statuses no longer change by themselves")
    purged: bool = Field(description="the report kept at purge, without people")
    purged_at: str | None = Field(default=None, description="once purged: when")
    summary: ReportSummary
    papers: list[ReportPaper]
    talks: list[ReportTalk]
    drift: ReportDrift
    withdrawn: list[ReportWithdrawn]
    attendance: ReportAttendance
    questions: ReportQuestions


class ReportOverrideAnswer(ReportPaper):
    """The paper's entry after the override, as the report now lists it; for a withdrawn paper (not in the record,
    the override is kept) only `paper_id`, `status` and a `note`."""

    status: str | None = Field(description="as the report lists it; for a withdrawn paper, the override set")
    title: str | None = None
    derived_status: str | None = None
    authors_present: list[ReportPresentAuthor] | None = None
    authors: list[ReportAuthor] | None = None
    slot_id: str | None = None
    room_id: str | None = None
    session_id: str | None = None
    session_title: str | None = None
    mode: str | None = None
    presenter: str | None = None
    planned_start: str | None = None
    planned_end: str | None = None
    actual_start: str | None = None
    actual_end: str | None = None
    timer_record: bool | None = None
    chair: str | None = None
    questions: ReportPaperQuestions | None = None
