"""Check-in's request shapes (see eventapp/schemas.py): types, storable text, no layout controls, and each body's
own rules (a reason is required, a walk-in's name has 1 to 200 characters, the scan's time) with their error codes,
checked once at the edge: the use cases get typed, checked values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from ..program.models import ATTENDANCE
from ..schemas import Schema, ShownText, Text

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
