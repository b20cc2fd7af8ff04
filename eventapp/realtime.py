"""The one SocketIO instance, channels with access checks and snapshots, and clock sync.

Features register a channel prefix (`timer`, `qa`, `coverage`, ...) with an access check and a snapshot
function; `subscribe` does the rest, so adding a channel never edits this module. Handlers are registered at
import time on the module-level instance (the Flask-SocketIO test client needs that).

Of auth, this module uses only the token and role checks (`eventapp.auth.tokens`, `.roles`, `.models`). The
message-queue manager is built in socket_internals (with every override of the libraries' private members) and
handed to Flask-SocketIO as `client_manager`; `init_app` also hands metrics the socket counts.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial, wraps
from typing import Annotated, Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from flask_socketio import SocketIO, join_room, leave_room
from pydantic import StringConstraints

from . import metrics, ratelimit, socket_internals
from .auth.models import AUDIENCE, Principal
from .auth.roles import allows, check_role
from .auth.tokens import (
    BAD_TOKEN_LIMIT,
    SESSION_KEY,
    forget_cached_tokens,
    live_token_ids,
    principal_for_token,
    principal_for_token_id,
)
from .errors import ApiError, database_unavailable
from .schemas import (
    Answer,
    AnswerMismatch,
    Schema,
    Text,
    accepts,
    answers,
    check_json,
    check_push,
    check_result,
    check_snapshot,
    payload,
)

socketio = SocketIO()
log = logging.getLogger(__name__)

# Who owns each connected socket, by sid. Filled at connect, dropped at disconnect.
_principals: dict[str, Principal] = {}


# What a channel's sockets need after the queue dropped events: (argument, since) -> [(event, payload), ...], built
# fresh from the database; `since` (UTC) is when events may have started to be lost (None: send everything).
Resync = Callable[[str, datetime | None], list[tuple[str, dict[str, Any]]]]


@dataclass(frozen=True)
class Channel:
    """A channel a socket may follow: "coverage" (needs_arg=False) or "timer:<room_id>" (needs_arg=True). Features
    declare theirs as `CHANNELS` in their `events.py`; the app factory hands them to `declare`. The snapshot runs in
    the subscribing socket's context (`socket_principal()` tells whose), so it can narrow what it shows."""

    prefix: str
    allow: Callable[[Principal, str], bool]  # (who, argument after "prefix:") -> may subscribe
    snapshot: Callable[[str], dict[str, Any]]  # argument -> the current state; raises ApiError for unknown ids
    needs_arg: bool
    # (who, argument) -> the socket rooms that carry this channel's pushes for them; None: the channel's own name.
    # A channel narrowed per subscriber (coverage for a chair of some rooms) sends each its part, filtered.
    rooms: Callable[[Principal, str], list[str]] | None = None
    resync: Resync | None = None  # None: nothing to resend after an outage


def anyone(_who: Principal, _arg: str) -> bool:
    """A channel's `allow` when everyone may follow it."""
    return True


_channels: dict[str, Channel] = {}
# Callbacks for events that other servers publish through the message queue, by event name (see `declare`).
_remote_listeners: dict[str, list[Callable[[str | None], None]]] = {}


def declare(modules: list[Any]) -> None:
    """Take the features' declarations from their `events.py` modules (the app factory calls this once per app):
    `CHANNELS`, a tuple of Channel, and `ON_REMOTE`, {event: callback}: `callback(channel)` runs in an app context
    on this server whenever another server (or a command beside the servers) publishes `event` through the message
    queue, just before this server's sockets get it. What a server derives for its own sockets from others' events
    (the day plan from a timer change) then needs no second broadcast, and what it cached from before the change (a
    snapshot) is dropped before anyone sees the change. A prefix or event declared twice is a programming error."""
    found: dict[str, Channel] = {}
    remote: dict[str, list[Callable[[str | None], None]]] = {"revoked": [_revoked_elsewhere]}
    for module in modules:
        for channel in getattr(module, "CHANNELS", ()):
            if channel.prefix in found:
                raise RuntimeError(f"channel {channel.prefix!r} is declared twice ({module.__name__})")
            found[channel.prefix] = channel
        for event, callback in getattr(module, "ON_REMOTE", {}).items():
            remote.setdefault(event, []).append(callback)
    _channels.clear()
    _channels.update(found)
    _remote_listeners.clear()
    _remote_listeners.update(remote)


def channel(prefix: str) -> Channel | None:
    return _channels.get(prefix)


def channels() -> list[Channel]:
    """Every declared channel, by prefix (for docs/api.md)."""
    return [_channels[p] for p in sorted(_channels)]


def channel_name(prefix: str, arg: str | None = None) -> str:
    return prefix if arg is None else f"{prefix}:{arg}"


def channel_snapshot(prefix: str, arg: str | None = None) -> dict[str, Any]:
    """What a new subscriber of the channel gets (its public state, as docs/api.md lists per channel): for a
    feature that follows another feature's public state without importing it (Q&A's board follows the room's timer
    through `timer:<room_id>`). Raises ApiError as the snapshot does for an unknown id."""
    return _channels[prefix].snapshot(arg if arg is not None else "")


def publish(channel: str, event: str, payload: dict[str, Any], *, local_only: bool = False) -> None:
    """Send an event to every socket subscribed to `channel`. Call after the transaction has committed.
    `local_only`: only this process's sockets, not through the message queue (for what every process sends its
    own sockets anyway, such as keyframes)."""
    check_push(event, payload)
    socketio.emit(event, payload, to=channel, ignore_queue=local_only)


def remote_event(app: Flask, message: dict[str, Any]) -> None:
    """Another server's event, as the queue manager hands it over before this server's sockets get it
    (socket_internals.RemoteEvents): the `ON_REMOTE` callbacks of its event run, in an app context."""
    callbacks = _remote_listeners.get(message.get("event"), ())
    if not callbacks:
        return
    with app.app_context():
        for callback in callbacks:
            try:
                callback(message.get("room"))
            except Exception:  # a listener's failure must not stop the queue's listener
                log.exception("remote event listener failed")


def site_origins() -> list[str]:
    return allowed_origins(current_app.config["BASE_URL"], current_app.config["EXTRA_ORIGINS"])


def socket_principal() -> Principal:
    return _principals.get(request.sid, AUDIENCE)


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def allowed_origins(base_url: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The site's origins: the public address (EVENTAPP_BASE_URL), any extra ones (EVENTAPP_EXTRA_ORIGINS), and on
    a laptop either loopback name of it. Browsers may open sockets (engine.io checks) and send audience writes
    (Q&A checks) only from these; clients that send no Origin (scripts) pass."""
    base = urlsplit(base_url)
    origins = [f"{base.scheme}://{base.netloc}", *(o.rstrip("/") for o in extra)]
    if base.hostname in LOOPBACK_NAMES:
        port = f":{base.port}" if base.port else ""
        origins += [f"{base.scheme}://{name}{port}" for name in LOOPBACK_NAMES]
    return sorted(set(origins))


def init_app(app: Flask) -> None:
    url = app.config["MESSAGE_QUEUE"]
    # The public extension point: Flask-SocketIO takes the manager as built (None: no queue, one server).
    manager = (
        socket_internals.queue_manager(url, app.config["MESSAGE_QUEUE_CHANNEL"], partial(remote_event, app))
        if url
        else None
    )
    socketio.init_app(
        app,
        async_mode=app.config["SOCKET_ASYNC_MODE"],
        message_queue=url,
        client_manager=manager,
        cors_allowed_origins=allowed_origins(app.config["BASE_URL"], app.config["EXTRA_ORIGINS"]),
        max_http_buffer_size=app.config["SOCKET_MAX_MESSAGE_BYTES"],
        ping_interval=app.config["SOCKET_PING_INTERVAL"],
        ping_timeout=app.config["SOCKET_PING_TIMEOUT"],
        manage_session=False,  # the staff identity is read once at connect; no per-socket session copies
        logger=False,
        engineio_logger=False,
    )
    # Off by default: per-connection compression of every broadcast is the main fan-out cost (socket_internals).
    socket_internals.configure(socketio.server, app.config["WS_COMPRESSION"])
    _gc_policy["after"] = app.config["SOCKET_GC_AFTER_DISCONNECTS"]
    metrics.count_sockets(connected_count, channel_sizes)


# --- handlers -------------------------------------------------------------------------------------------


@socketio.on("connect")
def on_connect(auth: dict | None = None):
    """Staff authenticate with {"token": ...} or the session cookie; a bad token is refused, none is audience."""
    raw = auth.get("token") if isinstance(auth, dict) else None
    try:
        if raw is not None:
            principal = principal_for_token(raw if isinstance(raw, str) else None)
            if principal is None:
                # Counted per address like a refused Bearer token on HTTP: a device stuck on a dead token backs off.
                try:
                    ratelimit.hit(BAD_TOKEN_LIMIT, "bad-token", request.remote_addr or "?")
                except ApiError as err:
                    raise ConnectionRefusedError(err.code) from None
                raise ConnectionRefusedError("invalid_token")
        else:
            principal = principal_for_token(session.get(SESSION_KEY)) or AUDIENCE
    except ConnectionRefusedError:
        raise
    except Exception as exc:  # the database cannot say who this is now: refuse (the page retries), one log line
        if database_unavailable(exc) is None:
            raise
        log.warning("database unavailable on socket connect: %s", database_unavailable(exc).reason)
        raise ConnectionRefusedError("database_unavailable") from exc
    _principals[request.sid] = principal
    if principal.is_staff:
        # Lets a revocation anywhere (another process, the CLI) reach this member's open pages through the queue.
        join_room(staff_room(principal.staff_id))
        _start_revocation_sweep()
    return True


@socketio.on("disconnect")
def on_disconnect(*_args):
    _principals.pop(request.sid, None)
    _count_disconnect()


# --- garbage after disconnects ---------------------------------------------------------------------------------
#
# A closed connection leaves ~370 objects in reference cycles that reference counting never frees, nearly all inside
# the libraries (bench/gc_census.py): a class engine.io's middleware defines per request, Flask's request
# context per socket event (its routing exception's traceback holds the context), gunicorn's request and the
# WebSocket handshake state (tracebacks of the exceptions that end a connection), simple-websocket's server. Only a
# full collection frees them, and gunicorn_conf raises the thresholds so far (for fan-out latency) that one hardly
# ever runs: the worker's memory then climbs ~9 KB per reconnect until the allocator's reuse catches up. So a full
# collection runs after every SOCKET_GC_AFTER_DISCONNECTS disconnects, in a greenlet of its own (never inside a
# broadcast): bounded garbage. The pause walks every live object, so it grows with the phones connected: 90-180 ms
# of CPU at 1,000 phones (bench/soak_reconnects.py, docs/operations.md), once per ~25 s at 20 reconnects a second.

# after: SOCKET_GC_AFTER_DISCONNECTS; since: disconnects counted toward the next; task: the last collection's greenlet
# (or thread); collections, last_ms, max_ms: how many ran and their pauses.
_gc_policy: dict[str, Any] = {
    "after": 0,
    "since": 0,
    "running": False,
    "task": None,
    "collections": 0,
    "last_ms": 0.0,
    "max_ms": 0.0,
}


def _count_disconnect() -> None:
    after = _gc_policy["after"]
    if after <= 0:
        return
    _gc_policy["since"] += 1
    if _gc_policy["since"] >= after and not _gc_policy["running"]:
        _gc_policy["since"] = 0
        _gc_policy["running"] = True
        _gc_policy["task"] = socketio.start_background_task(_collect_after_disconnects)


def _collect_after_disconnects() -> int:
    try:
        started, cpu = time.perf_counter(), time.process_time()
        freed = gc.collect()
        pause_ms = (time.perf_counter() - started) * 1000.0
        cpu_ms = (time.process_time() - cpu) * 1000.0
        _gc_policy["collections"] += 1
        _gc_policy["last_ms"] = pause_ms
        _gc_policy["max_ms"] = max(_gc_policy["max_ms"], pause_ms)
        log.info(
            "full garbage collection after %d disconnects: %d objects freed in %.1f ms (%.1f ms CPU)",
            _gc_policy["after"],
            freed,
            pause_ms,
            cpu_ms,
        )
        return freed
    finally:
        _gc_policy["running"] = False


class TimeSyncAnswer(Answer):
    """The server's clock in ms since 1970, and the client's own `t0` back when it sent one."""

    server_ms: float
    t0: float | None = None


@socketio.on("time_sync")
@allows("anyone")
@answers(TimeSyncAnswer)
def on_time_sync(data: Any = None):
    """NTP-style sample: the client stamps t0 before and t3 on the ack; offset = server_ms - (t0 + t3) / 2."""
    reply: dict[str, Any] = {"server_ms": time.time() * 1000.0}
    if isinstance(data, dict) and isinstance(data.get("t0"), int | float):
        reply["t0"] = data["t0"]
    return reply


class ChannelRequest(Schema):
    """A channel by name: `coverage`, `program`, `timer:<room_id>`, `qa:<slot_id>`, ..."""

    channel: Annotated[Text, StringConstraints(min_length=1, max_length=200)]


class Subscribed(Answer):
    """The channel joined and its state now (each channel's snapshot shape is listed under Channels)."""

    channel: str
    snapshot: dict[str, Any]


class Unsubscribed(Answer):
    """Nothing but `"ok": true`: the socket has left the channel."""


def _parse_channel(data: Any) -> tuple[Channel, str]:
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_channel", 'Send {"channel": "<name>"}.')
    name = payload(data).channel
    prefix, sep, arg = name.partition(":")
    channel = _channels.get(prefix)
    if channel is None or channel.needs_arg != bool(sep) or (sep and not arg):
        raise ApiError(404, "unknown_channel", f"There is no channel {name!r}.")
    return channel, arg


def socket_error(err: ApiError) -> dict[str, Any]:
    """The ack of a refused socket request: the same code and message as the HTTP API."""
    return {"ok": False, **err.to_dict()}


def acked(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Socket handler decorator: the ack is {"ok": true, ...result} or {"ok": false, "error", "message"}, always:
    a payload no JSON body could carry is refused first, and a genuine bug is logged and acked "internal_error"
    (the client never waits for its own timeout)."""

    @wraps(handler)
    def wrapped(data: Any = None, *_extra: Any):
        try:
            check_json(data)
            result = handler(data)
            check_result(wrapped, result)
            return {"ok": True, **result}
        except AnswerMismatch:
            raise  # a test's failure, loudly (CHECK_ANSWERS only)
        except ApiError as err:
            return socket_error(err)
        except Exception as exc:
            if database_unavailable(exc) is not None:  # a database that cannot write now: HTTP's 503, as the ack
                return unavailable_ack(exc)
            log.exception("socket event %s failed", handler.__name__)
            return socket_error(ApiError(500, "internal_error", "Something went wrong on our side."))

    return wrapped


@socketio.on("subscribe")
@allows("anyone; each channel then checks who may follow it (docs/security.md)")
@acked
@answers(Subscribed)
@accepts(payload=ChannelRequest)
def on_subscribe(data: Any = None) -> dict[str, Any]:
    channel, arg = _parse_channel(data)
    if not channel.allow(socket_principal(), arg):
        raise ApiError(403, "forbidden", "Your role may not follow this channel.")
    # Join before reading the snapshot, so no change can fall between the two.
    name = channel_name(channel.prefix, arg or None)
    rooms = _rooms_of(channel, arg)
    for room in rooms:
        join_room(room)
    try:
        snapshot = channel.snapshot(arg)
    except Exception:
        for room in rooms:
            leave_room(room)
        raise
    check_snapshot(channel.prefix, snapshot)
    return {"channel": name, "snapshot": snapshot}


def _rooms_of(channel: Channel, arg: str) -> list[str]:
    if channel.rooms is None:
        return [channel_name(channel.prefix, arg or None)]
    return channel.rooms(socket_principal(), arg)


@socketio.on("unsubscribe")
@allows("anyone")
@acked
@answers(Unsubscribed)
@accepts(payload=ChannelRequest)
def on_unsubscribe(data: Any = None) -> dict[str, Any]:
    channel, arg = _parse_channel(data)
    for room in _rooms_of(channel, arg):
        leave_room(room)
    return {}


def socket_staff(*roles: str) -> Principal:
    """The socket's staff member, re-checked against the database (a revoked token stops working at once)."""
    principal = socket_principal()
    if principal.is_staff:
        fresh = principal_for_token_id(principal.token_id)
        if fresh is None:
            _revoked_now(request.sid)
            raise ApiError(401, "invalid_token", "This token has been revoked.")
        principal = fresh
    check_role(principal, *roles)
    return principal


def _revoked_now(sid: str) -> None:
    """Found revoked while it asks for something: it leaves every channel now (so nothing more reaches it) and is
    disconnected just after its refusal is acknowledged."""
    _leave_all(sid)

    def later() -> None:
        socketio.sleep(0.2)
        if socketio.server.manager.is_connected(sid, "/"):
            socketio.server.disconnect(sid, namespace="/")

    socketio.start_background_task(later)


def unavailable_ack(exc: Exception) -> dict[str, Any]:
    """The ack for a database that cannot take the request now (503 database_unavailable, with retry_after);
    any other exception is re-raised (a bug, logged by the server)."""
    err = database_unavailable(exc)
    if err is None:
        raise exc
    event = getattr(request, "event", None) or {}
    log.warning("database unavailable on socket event %s: %s", event.get("message", "?"), err.reason)
    return socket_error(err)


def connected_count() -> int:
    return len(_principals)


def local_rooms() -> dict[Any, Any]:
    """This process's rooms of the default namespace, by name (python-socketio's manager keeps them)."""
    return socketio.server.manager.rooms.get("/", {}) if socketio.server else {}


def channel_sizes() -> dict[str, int]:
    """Subscribers per channel on this process (for /metrics)."""
    return {
        name: len(members)
        for name, members in local_rooms().items()
        if isinstance(name, str) and name.partition(":")[0] in _channels
    }


def has_local_subscribers(channel: str) -> bool:
    """Whether any socket on this process follows `channel` (what a `publish(..., local_only=True)` would reach)."""
    return bool(local_rooms().get(channel))


def staff_room(staff_id: int) -> str:
    return f"staff:{staff_id}"


def notify_revoked(staff_id: int) -> None:
    """Tell a revoked member's open pages, on every server, that they are signed out."""
    socketio.emit("revoked", {"message": "This staff account has been revoked."}, to=staff_room(staff_id))


# Staff sockets are re-checked this often, so a revoked account's sockets leave every staff channel and are
# disconnected within 2 s even if the page ignores the "revoked" event and sends nothing, with or without a message
# queue: each process checks its own sockets against the database (one query for all of them).
REVOCATION_SWEEP_SECONDS = 1.0
_sweep_started = False


def _start_revocation_sweep() -> None:
    global _sweep_started
    if _sweep_started or socketio.server is None or socketio.server.async_mode != "gevent":
        return
    _sweep_started = True
    app = current_app._get_current_object()
    socketio.start_background_task(_revocation_sweep, app)


def _revocation_sweep(app) -> None:
    while True:
        socketio.sleep(REVOCATION_SWEEP_SECONDS)
        try:
            with app.app_context():
                disconnect_revoked()
        except Exception:  # a database hiccup must not end the sweep for the rest of the day
            log.exception("revocation sweep failed")


def _revoked_elsewhere(_room: str | None) -> None:
    """A revocation published by another process (the CLI, another server): drop this server's sockets of it just
    after they were told (the "revoked" event goes out right after this callback), without waiting for the sweep,
    and forget the tokens this server cached, so the revoked ones stop working here at once too."""
    forget_cached_tokens()
    app = current_app._get_current_object()

    def later() -> None:
        socketio.sleep(0.2)
        with app.app_context():
            disconnect_revoked()

    socketio.start_background_task(later)


def _leave_all(sid: str) -> None:
    """An audience socket in no channel: what a revoked staff socket becomes before its disconnect is done."""
    _principals[sid] = AUDIENCE
    manager = socketio.server.manager
    for room in list(manager.get_rooms(sid, "/")):
        if room != sid:
            manager.leave_room(sid, "/", room)


def drop_socket(sid: str) -> None:
    """Out of every room (staff channels first of all) at once, then disconnected: a revoked socket hears nothing
    more even while its disconnect is under way."""
    _leave_all(sid)
    _principals.pop(sid, None)
    socketio.server.disconnect(sid, namespace="/")


def disconnect_revoked() -> int:
    """Disconnect this process's staff sockets whose token or account is revoked; returns how many."""
    staff = {sid: p.token_id for sid, p in list(_principals.items()) if p.is_staff and p.token_id is not None}
    live = live_token_ids(set(staff.values()))
    gone = [sid for sid, token_id in staff.items() if token_id not in live]
    for sid in gone:
        drop_socket(sid)
    return len(gone)
