"""The timer's request shapes (see eventapp/schemas.py): a chair command, over HTTP or the socket.

The service still checks the action's own rules (which actions, the range of `seconds`) with its codes; here:
types, storable text, and a message without layout controls. Fields not named here pass through unchanged, so a
field the service learns later needs no edit here."""

from __future__ import annotations

from pydantic import ConfigDict

from ..schemas import Schema, ShownText, Text


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
