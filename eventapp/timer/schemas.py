"""The timer's request and answer shapes (see eventapp/schemas.py): a chair command, over HTTP or the socket, and the
rules of its actions (which actions there are, which need seconds or a text), with their own error codes; and what
the timer answers and pushes (the room's state, the segment log).

`CommandBody` is read at the edge: types, storable text, and a message without layout controls; fields not named
there pass through unchanged. `CommandRules` is read by the command path once it has found the room and checked
who presses (an unknown room is a 404 and a stranger a 403 before a bad action is a 400)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..schemas import Answer, Schema, ShownText, Text
from . import clock

MESSAGE_ACTIONS = ("message", "flash", "clear_message")
ALL_ACTIONS = clock.ACTIONS + MESSAGE_ACTIONS
COMMAND_ID_MAX = 64
MESSAGE_MAX = 140


class CommandBody(Schema):
    model_config = ConfigDict(extra="allow", frozen=True)

    action: Text | None = None
    command_id: Text | None = None
    text: ShownText | None = None

    def as_data(self) -> dict:
        """What the service parses: the fields as sent, with the message's text cleaned."""
        return self.model_dump(exclude_unset=True)


class SocketCommand(CommandBody):
    room_id: Text


def _text(value: Any, key: str, limit: int) -> None:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise PydanticCustomError(f"api:invalid_{key}", f"{key} must be text of 1 to {limit} characters.")


class CommandRules(Schema):
    """A command's action rules, checked in this order: the action; its id (1 to 64 characters); for `adjust`, a
    whole number of seconds, not 0, at most MAX_ADJUST_SECONDS either way; for `message`, a text of 1 to 140
    characters (and `flash`, any truthy value). Fields an action does not use are not looked at."""

    action: Any = None
    command_id: Any = None
    seconds: Any = None
    text: Any = None
    flash: Any = False

    @model_validator(mode="after")
    def _rules(self) -> CommandRules:
        if self.action not in ALL_ACTIONS:
            raise PydanticCustomError("api:unknown_action", f"action must be one of {', '.join(ALL_ACTIONS)}.")
        _text(self.command_id, "command_id", COMMAND_ID_MAX)
        seconds = self.seconds
        if self.action == "adjust" and (
            not isinstance(seconds, int)
            or isinstance(seconds, bool)
            or seconds == 0
            or abs(seconds) > clock.MAX_ADJUST_SECONDS
        ):
            raise PydanticCustomError(
                "api:invalid_seconds",
                f"adjust needs seconds: a whole number from -{clock.MAX_ADJUST_SECONDS} to "
                f"{clock.MAX_ADJUST_SECONDS}, not 0.",
            )
        if self.action == "message":
            _text(self.text, "text", MESSAGE_MAX)
        return self


class RemoteQuery(Schema):
    """GET /rooms/<room>/remote?delay=seconds: the remote page lines its timer up with the stream's lag. Not a
    number, or out of 0..3600, is no delay (a shared link must always open)."""

    delay: Any = 0.0

    @field_validator("delay", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> float:
        try:
            return max(0.0, min(3600.0, float(value or 0)))
        except (TypeError, ValueError):
            return 0.0


# --- answers -----------------------------------------------------------------------------------------------------


class TimerSlot(Answer):
    """A slot as the timer's screens show it (the current one or the next)."""

    id: str
    kind: str = Field(description="keynote, paper, break, ... (the program's slot kind)")
    title: str
    presenter: str | None
    paper_id: str | None
    mode: str = Field(description="in_person or remote (the program's slot mode)")
    session_id: str
    starts_at: str = Field(description="planned start, ISO 8601 with the event's offset")
    planned_start_ms: int = Field(description="planned start, ms since 1970")
    talk_seconds: int
    qa_seconds: int
    presenter_present: bool | None = Field(
        description="whether an author has checked in; null while unknown (no check-in data)"
    )


class TimerMessage(Answer):
    """The chair's message to the speaker."""

    text: str
    flash: bool = Field(description="the screens flash to catch the speaker's eye")
    at_ms: int = Field(description="when it was set, ms since 1970")


class TimerAnswer(Answer):
    """A room's timer as every screen sees it: screens draw the countdown from `ends_at_ms` and `server_ms`."""

    room_id: str
    slot_id: str | None = Field(description="the slot the timer is on; null for a room without slots")
    segment: Literal["talk", "qa"]
    state: Literal["idle", "running", "paused", "finished"]
    ends_at_ms: int | None = Field(description="while running: when the segment ends, ms since 1970")
    remaining_ms: int = Field(description="time left in the segment (negative in overtime)")
    revision: int = Field(description="grows with every change; a command may name it as expected_revision")
    server_ms: int = Field(description="the server's clock when this was built, ms since 1970")
    phase: Literal["idle", "normal", "warning", "danger", "overtime", "paused", "finished"] = Field(
        description="what the screens colour"
    )
    warning_ms: int = Field(description="time left from which the phase is warning")
    danger_ms: int = Field(description="time left from which the phase is danger")
    segment_ms: int = Field(description="the segment's planned length")
    qa_ends_at_ms: int | None = Field(
        description="while a talk runs: when the Q&A that follows by itself ends, ms since 1970"
    )
    qa_warning_ms: int | None = Field(description="the Q&A's warning threshold; null when the slot has no Q&A")
    qa_danger_ms: int | None = Field(description="the Q&A's danger threshold; null when the slot has no Q&A")
    slot_index: int = Field(description="the slot's place in the room's day, from 0")
    slot_count: int = Field(description="how many slots the room's day has")
    slot: TimerSlot | None
    next_slot: TimerSlot | None
    message: TimerMessage | None
    can_undo: bool
    last_command_id: str | None = Field(description="the last chair command applied; null before the first")
    qa_url: str = Field(description="the path of the audience's Q&A page for this room")


class TimerCommandAnswer(TimerAnswer):
    """The room's timer after a chair command; a repeated command id gets the state as it is, marked `duplicate`."""

    duplicate: bool | None = Field(default=None, description="true when this command id was already applied")


class TimerCommandAck(Answer):
    """The room's timer after the command (same as POST /api/v1/rooms/<room_id>/timer)."""

    state: TimerCommandAnswer


class TimerLogSegment(Answer):
    """One segment as the timer ran it."""

    slot_id: str
    segment: Literal["talk", "qa"]
    started_at: str = Field(description="ISO 8601 with the event's offset")
    ended_at: str | None = Field(description="null while it runs")
    started_at_ms: int
    ended_at_ms: int | None


class TimerLog(Answer):
    """What actually ran in a room: each slot's talk and Q&A segments, in the room's order."""

    room_id: str
    segments: list[TimerLogSegment]


PUSHES: dict[str, type[Answer]] = {"timer": TimerAnswer}  # on change, keyframes, and the resync
SNAPSHOTS: dict[str, type[Answer]] = {"timer": TimerAnswer}
