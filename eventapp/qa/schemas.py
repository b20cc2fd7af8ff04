"""Q&A's request shapes (see eventapp/schemas.py). Text is normalised by the policy (which also drops bidi and
zero-width characters); here: types, storable text, ids a database holds."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, StrictBool, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..schemas import BodyId, Schema, ShownText, Text, validate


class AskBody(Schema):
    text: Any = None  # the policy answers text_too_short / text_too_long / invalid_text with its own codes
    name: Any = None
    origin: Any = None


class PremoderationBody(Schema):
    premoderation: StrictBool


class ClosedBody(Schema):
    closed: StrictBool


class WordsBody(Schema):
    words: list[Text]  # the policy normalises them and bounds their number and length


class ModeratorBody(Schema):
    name: ShownText  # the service bounds the length (1 to 200 characters)


MODERATION_FIELDS = ("status", "highlighted", "text", "starred")
ONE_OF = "status, highlighted, text or starred"


class ModerateBody(Schema):
    """PATCH /api/v1/questions/<id> (and qa_moderate's fields): at least one of status, highlighted, text, starred;
    any other field is refused by name. status and text are checked by the policy, with its own codes."""

    model_config = ConfigDict(extra="allow", frozen=True)  # kept, so that the check below can name them

    status: Any = None
    highlighted: bool | None = None
    text: Any = None
    starred: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if not data:
                raise PydanticCustomError("api:invalid_body", f"Send a JSON object with {ONE_OF}.")
            unknown = set(data) - set(MODERATION_FIELDS)
            if unknown:
                names = ", ".join(sorted(unknown))
                raise PydanticCustomError("api:invalid_field", "Unknown field(s): {names}.", {"names": names})
        return data

    @field_validator("highlighted", "starred", mode="before")
    @classmethod
    def _strict_bool(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, bool):
            raise PydanticCustomError("api:invalid_field", "{field} is true or false.", {"field": info.field_name})
        return value


class BoardQuery(Schema):
    """GET /api/v1/slots/<slot>/questions: the policy checks the sort (invalid_sort)."""

    sort: str | None = None


class SimilarQuery(Schema):
    """GET /api/v1/slots/<slot>/similar: the text typed so far (only its first 500 characters are compared)."""

    text: str = ""

    @field_validator("text")
    @classmethod
    def _bounded(cls, value: str) -> str:
        return value[:500]


class ExportQuery(Schema):
    """GET /api/v1/qa/export.<fmt>: one slot (or the day), and only=unanswered for the ones not reached."""

    slot_id: str | None = None
    only: str | None = None

    @field_validator("slot_id")
    @classmethod
    def _day_when_empty(cls, value: str | None) -> str | None:
        return value or None

    @property
    def unanswered(self) -> bool:
        return self.only == "unanswered"


class PageQuery(Schema):
    """The audience pages: which link brought the phone (a stream page's link says online)."""

    origin: str | None = None


class SocketAsk(AskBody):
    slot_id: Text


class SocketVote(Schema):
    question_id: BodyId
    up: bool = True


class SocketModerate(Schema):
    """question_id, and the PATCH body's fields (kept, then checked as a ModerateBody: `changes()`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    question_id: BodyId
    text: ShownText | None = None

    def changes(self) -> ModerateBody:
        return validate(ModerateBody, self.model_dump(exclude_unset=True, exclude={"question_id"}), what="payload")


class ConsoleQuery(Schema):
    """GET /sessions/<session>/moderate?slot=: the talk the console opens on (else the one running, else the
    session's first)."""

    slot: Text | None = None
