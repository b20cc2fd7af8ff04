"""Check-in's request shapes (see eventapp/schemas.py): types, storable text, no layout controls, and each body's
own rules (a reason is required, a walk-in's name has 1 to 200 characters, the scan's time) with their error codes,
checked once at the edge: the use cases get typed, checked values. Below them, the answers' shapes: the scan, the
coverage board (its pushes and its channels' snapshots), badges, walk-ins, the roster, the search and the log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from ..program.models import ATTENDANCE
from ..schemas import Answer, Schema, ShownText, Text

MAX_NONCE = 64
MAX_REASON = 500
MAX_NAME = 200
MAX_AFFILIATION = 300


class ScanBody(Schema):
    """POST /api/v1/checkins: a scanned code (or a person picked in the search) and the scan's own id."""

    nonce: Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NONCE)]
    code: Any = None  # the scanned text as it came; not text at all counts as missing
    person_id: Annotated[int, Field(strict=True, gt=0, lt=2**31)] | None = None
    device: ShownText | None = None  # cut to 80 characters when stored
    scanned_at: Any = None  # ISO 8601 with an offset, or ms since 1970: read once below, as `scanned_time`
    offline: Any = None
    _scanned_time: datetime | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _code_or_person(self) -> ScanBody:
        if self.person_id is None and not (isinstance(self.code, str) and self.code.strip()):
            raise PydanticCustomError("api:code_missing", "Send the scanned text as code.")
        self._scanned_time = _parse_time(self.scanned_at)  # after the code: a body missing both is code_missing
        return self

    @property
    def scanned_time(self) -> datetime | None:
        """`scanned_at` as an aware UTC datetime (None when not sent)."""
        return self._scanned_time


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value / 1000.0, UTC)
        elif isinstance(value, str) and len(value) <= 40:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError("no offset")
        else:
            raise ValueError("not a time")
    except (ValueError, OverflowError, OSError) as exc:
        raise PydanticCustomError(
            "api:invalid_scanned_at", "scanned_at must be ISO 8601 with an offset or milliseconds since 1970."
        ) from exc
    return moment.astimezone(UTC)


class OptionalReasonBody(Schema):
    """Take an excuse back: why, for the log, if the organizer says."""

    reason: ShownText | None = None


class ReasonBody(OptionalReasonBody):
    """Undo a check-in, excuse a paper, reissue a badge: why, for the log (required)."""

    @model_validator(mode="after")
    def _reason_given(self) -> ReasonBody:
        if not self.reason:
            raise PydanticCustomError("api:reason_required", "Say why, in a few words: it goes into the log.")
        if len(self.reason) > MAX_REASON:
            raise PydanticCustomError("api:reason_too_long", f"Keep the reason under {MAX_REASON} characters.")
        return self


class WalkinBody(Schema):
    """POST /api/v1/checkin/walkins: a person registered at the desk, checked in unless check_in is false."""

    name: ShownText | None = None
    affiliation: ShownText | None = None
    attendance: Text | None = None
    check_in: bool = True

    @model_validator(mode="after")
    def _walkin_rules(self) -> WalkinBody:
        if not self.name or len(self.name) > MAX_NAME:
            raise PydanticCustomError("api:invalid_name", f"A name needs 1 to {MAX_NAME} characters.")
        if len(self.affiliation or "") > MAX_AFFILIATION:
            raise PydanticCustomError(
                "api:invalid_affiliation", f"The affiliation is text of at most {MAX_AFFILIATION} characters."
            )
        if (self.attendance or "in_person") not in ATTENDANCE:
            raise PydanticCustomError("api:invalid_attendance", f"attendance is one of {', '.join(ATTENDANCE)}.")
        return self


class SearchQuery(Schema):
    q: Text = ""


# --- answers --------------------------------------------------------------------------------------------------


class CheckinTalk(Answer):
    """A talk a person gives or authors: a paper (with its slot, if it has one) or a keynote."""

    paper_id: str | None = Field(default=None, description="null for a keynote")
    title: str
    slot_id: str | None = Field(default=None, description="null for a paper without a slot (e.g. a poster)")
    kind: str = Field(description='"paper" or "keynote"')
    starts_at: str | None = Field(default=None, description="the talk's start, ISO 8601 in the event's zone")
    hhmm: str | None = Field(default=None, description="the same start as HH:MM, local")
    mode: str | None = Field(default=None, description="the slot's mode (in_person, online, ...); null without one")
    presenter: bool = Field(description="this person gives the talk (not only an author)")


class CheckinPerson(Answer):
    """The person a scan checked in."""

    id: int
    name: str
    affiliation: str
    attendance: str = Field(description="in_person, online or none, as registered")
    is_organizer: bool


class ScanAnswer(Answer):
    """A check-in: first (201), repeated (200), or the first answer again for a nonce already seen."""

    result: str = Field(description='"ok" for a first check-in, "already" when the person was already in')
    person: CheckinPerson
    papers: list[CheckinTalk] = Field(description="the person's talks, to tell them where to go")
    checkin_id: int
    checked_in_at: str = Field(description="when the active check-in was scanned, ISO 8601 in the event's zone")
    checked_in_hhmm: str = Field(description="the same time as HH:MM, local")
    device: str = Field(description="the scanner that made the check-in")
    offline: bool = Field(description="the check-in was scanned offline and sent later")
    undone: bool = Field(description="the check-in was undone since (a replayed nonce)")
    replayed: bool | None = Field(
        default=None, description="true (only then present) when the nonce was seen before: nothing was recorded"
    )


class CheckinUndone(Answer):
    """A check-in taken back by an organizer."""

    checkin_id: int
    person_id: int
    undone: bool = Field(description="always true")
    reason: str


class CoverageAuthor(Answer):
    """An author checked in, on the coverage board."""

    person_id: int
    name: str


class CoverageMissingAuthor(Answer):
    """An author not checked in, with how they said they attend."""

    person_id: int
    name: str
    attendance: str = Field(description="in_person, online or none, as registered")


class CoverageExcuse(Answer):
    """An organizer's exception for a paper (e.g. an approved remote talk)."""

    reason: str
    by: str = Field(description="the organizer's name")
    at: str = Field(description="when, ISO 8601 in the event's zone")


class CoveragePaper(Answer):
    """One paper on the coverage board: its status and which of its authors are here."""

    paper_id: str
    title: str
    status: str = Field(description="uncovered, at_risk, waiting, excused or covered")
    present_authors: list[CoverageAuthor]
    missing_authors: list[CoverageMissingAuthor]
    authors_expected: int = Field(description="how many authors registered to attend in person")
    slot_id: str | None = None
    session_id: str | None = None
    session_title: str = Field(description='"" without a slot')
    room_id: str | None = None
    starts_at: str | None = Field(default=None, description="the talk's start, ISO 8601 in the event's zone")
    hhmm: str | None = Field(default=None, description="the same start as HH:MM, local")
    minutes_to_start: int | None = Field(default=None, description="negative once started; null without a slot")
    mode: str = Field(description="the slot's mode (in_person, online, ...)")
    excuse: CoverageExcuse | None = Field(default=None, description="only when excused or covered")


class CoverageSummary(Answer):
    """Counts of papers by status, and of people checked in."""

    total: int = Field(description="papers counted")
    uncovered: int
    at_risk: int
    waiting: int
    excused: int
    covered: int
    checked_in: int = Field(description="active check-ins, all people")
    at: str = Field(description="when counted, ISO 8601 in the event's zone")


class CoverageSession(Answer):
    """A session's readiness: how many of its papers are covered or excused."""

    session_id: str
    title: str
    room_id: str | None = None
    starts_at: str | None = Field(default=None, description="its first paper's start, ISO 8601 in the event's zone")
    hhmm: str | None = Field(default=None, description="the same start as HH:MM, local")
    papers: int
    ready: int = Field(description="papers covered or excused")
    covered: int
    minutes_to_start: int | None = None


class CoverageArrivals(Answer):
    """Check-ins in one quarter hour, for the board's chart."""

    at: str = Field(description="the quarter hour's start, HH:MM local")
    count: int


class CoverageBoard(Answer):
    """The coverage board: every paper (or a chair's rooms' papers), the counts, sessions and arrivals."""

    papers: list[CoveragePaper] = Field(description="most urgent first, then by start")
    summary: CoverageSummary
    sessions: list[CoverageSession]
    arrivals: list[CoverageArrivals]


class CoveragePush(Answer):
    """The `coverage` event: after a change, only the papers that changed and the new counts; after the queue
    dropped events, the whole board (every paper, with `sessions` and `arrivals`)."""

    papers: list[CoveragePaper] = Field(description="the papers that changed (all of them in a whole board)")
    summary: CoverageSummary
    sessions: list[CoverageSession] | None = Field(default=None, description="only in a whole board")
    arrivals: list[CoverageArrivals] | None = Field(default=None, description="only in a whole board")


class CheckinBadge(Answer):
    """A person's badge: what is printed on it and its code."""

    person_id: int
    name: str
    sort_name: str = Field(description='as listed, e.g. "Chen, Hao"')
    affiliation: str
    attendance: str = Field(description="in_person, online or none, as registered")
    roles: str = Field(description='space-separated: organizer, "keynote speaker", chair, author or participant')
    papers: str = Field(description="the ids of the person's papers, space-separated")
    code: str = Field(description="the QR code's text")
    short_code: str = Field(description="the code printed for typing in the search")
    version: int = Field(description="1, one more after each reissue")


class WalkinAnswer(Answer):
    """A walk-in registered at the desk: the new badge and, unless check_in was false, the check-in."""

    badge: CheckinBadge
    badge_url: str = Field(description="the printable badge page")
    checkin: ScanAnswer | None = Field(default=None, description="absent when check_in was false")


class RosterPerson(Answer):
    """One person in a scanner's offline roster."""

    h: str = Field(description="a hash of the badge code (never the code itself)")
    person_id: int
    name: str
    affiliation: str
    papers: list[CheckinTalk]
    checked_in: bool = Field(description="checked in in person (an active check-in)")


class CheckinRoster(Answer):
    """What a scanner keeps for offline use."""

    generated_at: str = Field(description="ISO 8601 in the event's zone")
    people: list[RosterPerson]


class CheckinSearchPerson(Answer):
    """One match of the door's manual search."""

    person_id: int
    name: str
    affiliation: str
    attendance: str = Field(description="in_person, online or none, as registered")
    papers: list[CheckinTalk]
    checked_in_hhmm: str | None = Field(default=None, description="the active check-in's time, HH:MM local")
    checkin_id: int | None = Field(default=None, description="the active check-in; null when not checked in")


class CheckinSearchAnswer(Answer):
    """The manual search's matches, by name (at most 20; none for an empty query)."""

    people: list[CheckinSearchPerson]


class CheckinScanRow(Answer):
    """One scan in the desk's log, refused ones included."""

    id: int
    at: str = Field(description="when the server recorded it, ISO 8601 in the event's zone")
    scanned_at: str = Field(description="when it was scanned (earlier for an offline scan)")
    result: str = Field(description='"ok", "already" or "refused"')
    error: str | None = Field(default=None, description="the refusal's code")
    person_id: int | None = None
    name: str | None = Field(default=None, description="the person's name, when known")
    device: str
    offline: bool
    method: str = Field(description="scan, manual (picked in the search) or walkin")
    raw: str | None = Field(default=None, description="a refused scan's text, cut to 80 characters")
    checkin_id: int | None = None


class CheckinAuditRow(Answer):
    """One organizer act in the desk's log, with its reason."""

    at: str = Field(description="ISO 8601 in the event's zone")
    action: str = Field(description="undo, excuse, unexcuse, reissue or walkin")
    subject: str = Field(description='what it was done to, e.g. "paper P12"')
    reason: str
    by: str = Field(description="the organizer's name")


class CheckinLog(Answer):
    """The desk's log: the latest scans and organizer acts, newest first (200 of each at most)."""

    scans: list[CheckinScanRow]
    audit: list[CheckinAuditRow]


PUSHES: dict[str, type[Answer]] = {"coverage": CoveragePush}
SNAPSHOTS: dict[str, type[Answer]] = {"coverage": CoverageBoard, "coverage-room": CoverageBoard}
