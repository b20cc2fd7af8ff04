"""Q&A's request shapes (see eventapp/schemas.py). Text is normalised by the policy (which also drops bidi and
zero-width characters); here: types, storable text, ids a database holds."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, StrictBool

from ..schemas import BodyId, Schema, ShownText, Text


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


class SocketAsk(AskBody):
    slot_id: Text


class SocketVote(Schema):
    question_id: BodyId
    up: bool = True


class SocketModerate(Schema):
    """question_id, and the PATCH body's fields (the service refuses unknown ones, so they are kept)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    question_id: BodyId
    text: ShownText | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"question_id"})
