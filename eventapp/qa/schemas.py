"""Q&A's request shapes, then its answer shapes (see eventapp/schemas.py). Text is normalised by the policy (which
also drops bidi and zero-width characters); here: types, storable text, ids a database holds. The answers are what
qa/shapes.py and the services build: a question as the hall and as moderators see it, the board, the pushes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, StrictBool, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..schemas import Answer, BodyId, Schema, ShownText, Text, validate


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


# --- answers (see eventapp/schemas.py): what Q&A sends back, pushes and snapshots ---------------------------------

QaStatus = Literal["pending", "visible", "answered", "hidden"]
QaOrigin = Literal["room", "online"]


class QaCounts(Answer):
    """A board's counters: its questions on view, answered and waiting for review (a muted asker's not counted)."""

    visible: int
    answered: int
    pending: int


class QaQuestion(Answer):
    """A question as the hall sees it."""

    id: int
    slot_id: str
    text: str
    name: str = Field(description="The name the asker gave, or empty.")
    status: QaStatus
    votes: int = Field(description="Counted votes (a muted voter's and discounted ones do not count).")
    highlighted: bool = Field(description="On the stage screen now.")
    origin: QaOrigin = Field(description="Asked from the room or by an online viewer.")
    created_at: str = Field(description="When it was asked (ISO 8601, UTC).")
    edited: bool = Field(description="A moderator changed its text.")


class QaReaderMarks(Answer):
    """What a question means to the device reading it."""

    mine: bool = Field(description="This device asked it.")
    voted: bool = Field(description="This device voted for it.")


class QaMarkedQuestion(QaReaderMarks, QaQuestion):
    """A question as its reader sees it: with whether they asked it and whether they voted for it."""


class QaModQuestion(QaQuestion):
    """A question as its moderators see it: the public fields and the moderators' own."""

    starred: bool = Field(description="Marked by a moderator (moderators only see it).")
    flagged: bool = Field(description="A word of the event's list matched: it waits for review.")
    original_text: str | None = Field(description="The asker's own words, after a moderator's edit.")
    voter: str = Field(description="A short pseudonym of the asker (the same for all their questions).")
    muted: bool = Field(description="The asker is shadow-muted.")
    similar_to: list[int] = Field(description="Ids of the board's questions that look like this one.")
    answered_at: str | None = Field(description="When it was marked answered (ISO 8601, UTC).")
    fresh_votes: int = Field(description="Counted votes cast by identities in their first minute.")
    vote_pileup: bool = Field(description="Many of its votes are fresh ones: a possible pile-up.")


class QaMarkedModQuestion(QaReaderMarks, QaModQuestion):
    """A question on a moderator's board: the moderators' fields and the reader's marks."""


class QaBoardAnswer(Answer):
    """A talk's board: its questions (a moderator's view when `moderator`), counters and settings."""

    slot_id: str
    session_id: str
    room_id: str
    title: str = Field(description="The talk's title.")
    questions: list[QaMarkedQuestion | QaMarkedModQuestion] = Field(
        description="The audience: public ones and the reader's own in review; moderators: all, with their fields."
    )
    counts: QaCounts
    closed: bool = Field(description="No new questions or votes.")
    premoderation: bool = Field(description="New questions wait for a moderator.")
    moderator: bool = Field(description="The reader moderates this board.")
    sort: Literal["popular", "recent", "trending"]


class QaSimilar(Answer):
    """Up to three public questions of the board that look like the text typed so far."""

    questions: list[QaQuestion]


class QaVoteAnswer(Answer):
    """The question's count after this device's vote (or its taking back); repeats answer the same."""

    id: int
    question_id: int = Field(description="The same as `id`.")
    votes: int
    voted: bool = Field(description="This device has voted for it (false once taken back).")


class QaDiscounted(Answer):
    """The question's count once the votes of identities in their first minute stopped counting."""

    id: int
    votes: int
    discounted: int = Field(description="Votes that stopped counting now.")
    fresh_votes: int = Field(description="Fresh votes still counted: 0.")
    vote_pileup: bool


class QaStageAnswer(Answer):
    """The room's current board and its highlighted question (none when nothing is on screen)."""

    room_id: str
    slot_id: str | None = Field(description="The talk whose board the room shows now; null when none.")
    question: QaQuestion | None = Field(description="Its highlighted question while public; else null.")


class QaMuteAnswer(Answer):
    """The asker shadow-muted (or unmuted): how many of their questions and votes that touched."""

    voter: str = Field(description="The asker's pseudonym.")
    muted: bool
    questions: int = Field(description="Their questions, now hidden from (or shown again to) the hall.")
    votes_affected: int = Field(description="Their votes, which stopped (or started again) counting.")


class QaPremoderation(Answer):
    """A session's premoderation setting, now."""

    session_id: str
    premoderation: bool


class QaClosed(Answer):
    """A board closed (or reopened)."""

    slot_id: str
    closed: bool


class QaWords(Answer):
    """The event's flag words: a question containing one waits for a moderator."""

    words: list[str]


class QaModerator(Answer):
    """A co-moderator of a session."""

    id: int = Field(description="The staff account's id.")
    name: str


class QaModerators(Answer):
    """A session's co-moderators (staff accounts limited to that session)."""

    moderators: list[QaModerator]


class QaModeratorAdded(Answer):
    """The new co-moderator's account and a one-time sign-in link to hand over."""

    id: int
    name: str
    session_id: str
    login_url: str = Field(description="A one-time sign-in URL (shown as a QR code to pair a phone).")


class QaModeratorRemoved(Answer):
    """The co-moderator's account, revoked."""

    id: int
    revoked: bool


class QaExportRow(Answer):
    """One exported question, for organizers and the speaker."""

    id: int
    slot_id: str
    slot_title: str
    session_id: str
    created_at: str = Field(description="ISO 8601 in the event's time zone.")
    status: QaStatus
    votes: int
    highlighted: bool
    starred: bool
    flagged: bool
    origin: QaOrigin
    name: str
    text: str
    original_text: str | None = Field(description="The asker's own words, after a moderator's edit.")
    voter: str = Field(description="A short pseudonym of the asker.")
    muted: bool
    answered_at: str | None = Field(description="ISO 8601 in the event's time zone.")


class QaExport(Answer):
    """The questions of a talk or of the whole day (export.json; export.csv has the same columns)."""

    questions: list[QaExportRow]


class QaAsked(Answer):
    """The question just asked, as its asker sees it."""

    question: QaMarkedQuestion


class QaModerated(Answer):
    """The question after the change, as moderators see it."""

    question: QaModQuestion


# --- pushes and snapshots ---


class QaQuestionPush(Answer):
    """`question`: a new or changed question, a delta the pages apply by `id`. On `qa:<slot>`: the whole public
    question, or the fields that changed with `id`, `slot_id` and `status`, or its count alone (`id`, `slot_id`,
    `votes`), or `id`, `slot_id` and `status` alone when it stops being public (it leaves the view). On
    `qa-mod:<slot>`: the whole question with the moderators' fields, or the fields that changed with `id` and
    `slot_id`, or its count alone, or `id` and `muted` when its asker is muted or unmuted. `counts` rides along when
    the change moved the board's counters."""

    id: int
    slot_id: str | None = Field(None, description="Missing only in the (un)mute delta of `qa-mod`.")
    text: str | None = None
    name: str | None = None
    status: QaStatus | None = None
    votes: int | None = None
    highlighted: bool | None = None
    origin: QaOrigin | None = None
    created_at: str | None = None
    edited: bool | None = None
    starred: bool | None = Field(None, description="qa-mod only, as the moderators' fields below.")
    flagged: bool | None = None
    original_text: str | None = None
    voter: str | None = None
    muted: bool | None = None
    similar_to: list[int] | None = None
    answered_at: str | None = None
    fresh_votes: int | None = None
    vote_pileup: bool | None = None
    counts: QaCounts | None = Field(None, description="The board's counters, when this change moved them.")


class QaCountsPush(QaCounts):
    """`qa_counts`: a board's counters, when no question delta carried them."""

    slot_id: str


class QaSettingsPush(Answer):
    """`qa_board`: a board's settings, both (after a resync) or the one that changed."""

    slot_id: str
    closed: bool | None = None
    premoderation: bool | None = None


PUSHES: dict[str, type[Answer]] = {
    "question": QaQuestionPush,
    "qa_counts": QaCountsPush,
    "qa_board": QaSettingsPush,
    "qa_stage": QaStageAnswer,
}
SNAPSHOTS: dict[str, type[Answer]] = {"qa": QaBoardAnswer, "qa-mod": QaBoardAnswer, "qa-stage": QaStageAnswer}
