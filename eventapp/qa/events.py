"""Q&A sockets: channels `qa:<slot_id>` (anyone), `qa-mod:<slot_id>` (moderators), `qa-stage:<room_id>` (the
highlighted question of a room's current slot), and the same commands as the HTTP API through the same service."""

from __future__ import annotations

from typing import Any

from flask import request

from .. import ratelimit
from ..auth import AUDIENCE, allows
from ..errors import ApiError
from ..realtime import Channel, acked, anyone, socket_principal, socket_staff, socketio
from ..schemas import accepts, answers, payload
from . import asking, board, moderation, policy, voter, voting
from .access import allow_mod_channel, room_or_404
from .push import MOD_PREFIX, PUBLIC_PREFIX
from .schemas import QaAsked, QaModerated, QaVoteAnswer, SocketAsk, SocketModerate, SocketVote


def _public_snapshot(slot_id: str) -> dict[str, Any]:
    # Runs inside the subscribe handler: the handshake's cookie tells whose pending questions to include.
    return board.board(slot_id, AUDIENCE, voter.read_voter())


def _mod_snapshot(slot_id: str) -> dict[str, Any]:
    return board.board(slot_id, socket_principal(), None)


def _stage_snapshot(room_id: str) -> dict[str, Any]:
    room_or_404(room_id)
    return board.highlighted_for_room(room_id)


# After the queue dropped events (resync): every question of the board again, as the deltas the pages already apply.
CHANNELS = (
    Channel(
        PUBLIC_PREFIX,
        allow=anyone,
        snapshot=_public_snapshot,
        needs_arg=True,
        resync=lambda slot_id, since: board.resync_events(slot_id, since, moderators=False),
    ),
    Channel(
        MOD_PREFIX,
        allow=allow_mod_channel,
        snapshot=_mod_snapshot,
        needs_arg=True,
        resync=lambda slot_id, since: board.resync_events(slot_id, since, moderators=True),
    ),
    Channel(
        "qa-stage",
        allow=anyone,
        snapshot=_stage_snapshot,
        needs_arg=True,
        resync=lambda room_id, _since: [("qa_stage", board.highlighted_for_room(room_id))],
    ),
)


def _limit() -> None:
    ratelimit.hit(f"{policy.SOCKET_EVENTS_PER_10S}/10 seconds", "qa-socket", request.sid)


def _socket_voter() -> str:
    """Sockets cannot set cookies: an audience write needs the voter cookie the page's first response gave."""
    voter_id = voter.read_voter()
    if voter_id is None:
        raise ApiError(401, "no_voter", "Open the Q&A page once so this device gets its voter identity.")
    return voter_id


@socketio.on("qa_ask")
@allows("anyone whose device has the Q&A page's voter cookie (rate-limited per socket and device)")
@acked
@answers(QaAsked)
@accepts(payload=SocketAsk)
def on_ask(data: Any = None) -> dict[str, Any]:
    _limit()
    body = payload(data)
    voter_id = _socket_voter()
    voter.check_fresh_question(voter_id)
    return {"question": asking.ask(body.slot_id, voter_id, body.text, body.name, body.origin)}


@socketio.on("qa_vote")
@allows("anyone whose device has the Q&A page's voter cookie (rate-limited per socket and device)")
@acked
@answers(QaVoteAnswer)
@accepts(payload=SocketVote)
def on_vote(data: Any = None) -> dict[str, Any]:
    _limit()
    body = payload(data)
    return voting.vote(body.question_id, _socket_voter(), body.up)


@socketio.on("qa_moderate")
@allows("the session's moderators, its room's chair or an organizer")
@acked
@answers(QaModerated)
@accepts(payload=SocketModerate)
def on_moderate(data: Any = None) -> dict[str, Any]:
    _limit()
    principal = socket_staff("chair", "moderator")
    body = payload(data)
    return {"question": moderation.moderate(body.question_id, principal, body.changes())}
