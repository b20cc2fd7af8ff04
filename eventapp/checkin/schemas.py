"""Check-in's request shapes (see eventapp/schemas.py): types, storable text, no layout controls, and each body's
own rules (a walk-in's name has 1 to 200 characters) with their error codes, checked once at the edge."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from ..program.models import ATTENDANCE
from ..schemas import Schema, ShownText, Text

MAX_NONCE = 64
MAX_NAME = 200
MAX_AFFILIATION = 300


class ScanBody(Schema):
    """POST /api/v1/checkins: a scanned code (or a person picked in the search) and the scan's own id."""

    nonce: Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NONCE)]
    code: Any = None  # the scanned text as it came; not text at all counts as missing
    person_id: Annotated[int, Field(strict=True, gt=0, lt=2**31)] | None = None
    device: ShownText | None = None  # cut to 80 characters when stored
    scanned_at: Any = None  # ISO 8601 with an offset, or ms since 1970: read by the service's one time parser
    offline: Any = None

    @model_validator(mode="after")
    def _code_or_person(self) -> ScanBody:
        if self.person_id is None and not (isinstance(self.code, str) and self.code.strip()):
            raise PydanticCustomError("api:code_missing", "Send the scanned text as code.")
        return self


class ReasonBody(Schema):
    """Undo a check-in, excuse a paper or take the excuse back, reissue a badge: why, for the log."""

    reason: ShownText | None = None


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
