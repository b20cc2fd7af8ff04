"""The timer's request shapes (see eventapp/schemas.py): a chair command, over HTTP or the socket, and the rules
of its actions (which actions there are, which need seconds or a text), with their own error codes.

`CommandBody` is read at the edge: types, storable text, and a message without layout controls; fields not named
there pass through unchanged. `CommandRules` is read by the command path once it has found the room and checked
who presses (an unknown room is a 404 and a stranger a 403 before a bad action is a 400)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..schemas import Schema, ShownText, Text
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
