"""The report's request shapes: an organizer's override of a paper's status, and the certificate's kind."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from ..schemas import Schema, strip_bidi
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
