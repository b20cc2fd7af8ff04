"""The `coverage` channel (organizers and chairs, as the contract says) and `coverage-room:<room_id>` (the same
pushes narrowed to one room, which a room's chair's board follows)."""

from __future__ import annotations

from ..auth import Principal
from ..realtime import Channel, socket_principal
from . import board


def _all_rooms(who: Principal, _arg: str) -> bool:
    return who.has_role("chair")


def _room(who: Principal, room_id: str) -> bool:
    return who.has_role("chair") and who.can_chair_room(room_id)


def _scope(who: Principal) -> list[str] | None:
    """The rooms whose coverage this member sees: a chair of some rooms those, an organizer or a chair of all every
    room (None)."""
    return list(who.room_ids) if who.role == "chair" and who.room_ids else None


def _coverage_rooms(who: Principal, _arg: str) -> list[str]:
    """A chair of some rooms follows `coverage` through those rooms' own channels: filtered, not refused."""
    scope = _scope(who)
    return [board.COVERAGE_CHANNEL] if scope is None else [f"{board.ROOM_CHANNEL}:{r}" for r in scope]


# After the queue dropped events (resync): the whole board, in the shape of the `coverage` event (every entry
# changed).
CHANNELS = (
    Channel(
        board.COVERAGE_CHANNEL,
        allow=_all_rooms,
        snapshot=lambda _arg: board.coverage_payload(_scope(socket_principal())),
        needs_arg=False,
        rooms=_coverage_rooms,
        resync=lambda _arg, _since: [("coverage", board.coverage_payload())],
    ),
    Channel(
        board.ROOM_CHANNEL,
        allow=_room,
        snapshot=lambda room_id: board.coverage_payload([room_id]),
        needs_arg=True,
        resync=lambda room_id, _since: [("coverage", board.coverage_payload([room_id]))],
    ),
)
