"""Every place eventapp overrides a private member of its socket libraries, together, with why.

Written against python-socketio 5.18, python-engineio 4.15, simple-websocket 1.1 and Flask-SocketIO 5.7;
pyproject.toml pins each below its next minor release, and tests/test_library_pins.py fails, naming the member and
this module, when an installed release no longer has one. Public extension points come first: the message-queue
manager reaches Flask-SocketIO through `SocketIO.init_app(client_manager=...)` (built by `queue_manager`), and
engine.io builds WebSockets and background tasks from the classes in `server._async`, which `configure` replaces
for one server. What still has to override a private member:

A. The message-queue manager (python-socketio's PubSubManager / RedisManager), built by `queue_manager`:
   - `PubSubManager._handle_emit` (`RemoteEvents`): every emit, this server's own and the ones its listener
     receives, passes through it; an event another server published calls the features' `ON_REMOTE` callbacks first,
     so what this server derives from it (the day plan from a timer change) needs no second broadcast.
   - `RedisManager._publish` (`WatchedRedisManager`): one attempt with short timeouts, counted when it fails,
     never retried inside a request (the library retries and would make requests wait for a queue that hangs).
   - `RedisManager._redis_listen_with_retries` (`WatchedRedisManager`): retries every RETRY_SECONDS instead of
     doubling up to 60 s, and tells queue_watch when the queue drops and returns (so it resends fresh state).
     It uses `_redis_connect`, `pubsub`, `channel`, `redis_url`, `redis_options` and `json` of the manager.
B. engine.io's WebSocket transport, for a hall of phones receiving small broadcasts (`configure`):
   1. Compression as a setting (EVENTAPP_WS_COMPRESSION, off by default). simple-websocket (engine.io's WebSocket
      layer when gevent-websocket is absent) accepts permessage-deflate whenever a client offers it, and every browser
      offers it. Each broadcast is then compressed once per connection, and each connection keeps a zlib compressor
      and decompressor (~90 KB). Removing `Sec-WebSocket-Extensions` from the environ simple-websocket's handshake
      reads means the client offered nothing, so nothing is negotiated, whatever the library would accept.
   2. Direct frames (gevent): a broadcast frames its packet once and writes it to each idle socket without engine.io's
      per-socket queue and writer greenlet; each connection is read by its own greenlet (no reader thread).
   3. Ping timers (gevent): engine.io's wait between pings as an event-loop timer, not a sleeping greenlet.

engine.io builds its WebSocket through the class in `server._async["websocket"]` and its background tasks through
`server._async["thread"]`; `configure` gives one server its own copy of that mapping with these classes in it.
bench/run.py measured each step (docs/benchmarks.md). tests/test_websocket_compression.py and
tests/test_websocket_direct.py check them against a real `eventapp serve`, so that a library upgrade that changes
what they rely on fails there.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import Any, Protocol

import redis
import simple_websocket
import socketio
from engineio import packet as eio_packet
from engineio import socket as eio_socket_module
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from gevent import get_hub
from gevent.lock import Semaphore  # a lock a background greenlet may release
from redis.backoff import NoBackoff
from redis.retry import Retry
from wsproto.utilities import LocalProtocolError

from . import metrics

EXTENSIONS_HEADER = "HTTP_SEC_WEBSOCKET_EXTENSIONS"


def without_extension_offer(environ: dict[str, Any]) -> dict[str, Any]:
    """A copy of the WSGI environ as if the client had offered no WebSocket extension."""
    if EXTENSIONS_HEADER not in environ:
        return environ
    stripped = dict(environ)
    del stripped[EXTENSIONS_HEADER]
    return stripped


def uncompressed(websocket_class: type) -> type:
    """A subclass of engine.io's WebSocket wrapper (`_async["websocket"]`) that never negotiates compression."""

    class UncompressedWebSocket(websocket_class):  # type: ignore[misc,valid-type]
        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            return super().__call__(without_extension_offer(environ), start_response)

    UncompressedWebSocket.__name__ = UncompressedWebSocket.__qualname__ = f"Uncompressed{websocket_class.__name__}"
    return UncompressedWebSocket


def configure(socketio_server: Any, compression: bool) -> None:
    """Install the setting on a Socket.IO server (after Flask-SocketIO's init_app created it): without compression,
    WebSockets negotiate no extension and, under gevent, take direct frames (below).

    The driver's `_async` mapping is shared by every server of that async mode, so this one gets its own copy."""
    engineio_server = socketio_server.eio
    drivers = dict(engineio_server._async)
    current = drivers.get("websocket")
    if compression or current is None:  # nothing to change (or no WebSocket support in this async mode)
        return
    if engineio_server.async_mode == "gevent" and issubclass(current, SimpleWebSocketWSGI):
        current = direct(current, engineio_server)
        install_direct_send(socketio_server)
        drivers["thread"] = with_ping_timers(drivers["thread"])
    else:
        current = uncompressed(current)
    drivers["websocket"] = current
    engineio_server._async = drivers


# --- Direct frames --------------------------------------------------------------------------------------------
#
# engine.io sends every packet through a per-socket queue drained by a writer greenlet, and simple-websocket frames
# each message through wsproto: for a broadcast to 4,000 phones that is 4,000 queue hand-offs, greenlet switches
# and framings of the same bytes, about 3/4 of the broadcast's CPU (py-spy, docs/benchmarks.md). Without
# compression a server's WebSocket frame is the same bytes for every connection (no mask, no per-connection state),
# so a broadcast frames its packet once and writes it to each idle socket straight away. A socket that is busy (its
# writer is mid-write, or packets wait in its queue) gets the packet through its queue as before, so the order of
# one socket's messages never changes; a slow phone that takes only part of a frame gets the rest from a background
# greenlet that holds the socket's write lock until it is done, so frames never interleave and one slow phone never
# holds up the others. gevent only: that is where greenlets switch only at I/O, which the "idle" test relies on.

FRAME_ATTR = "_eventapp_frame"
DIRECT_ATTR = "_eventapp_direct"


def websocket_frame(message: str | bytes) -> bytes:
    """One unmasked, unfragmented, uncompressed server frame (RFC 6455 section 5.2) holding `message`."""
    if isinstance(message, str):
        opcode, payload = 0x1, message.encode("utf-8")
    else:
        opcode, payload = 0x2, bytes(message)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return header + payload


def packet_frame(eio_packet: Any) -> bytes:
    """The frame of an engine.io packet, built once per packet object (a broadcast shares one across sockets)."""
    frame = eio_packet.__dict__.get(FRAME_ATTR)
    if frame is None:
        frame = websocket_frame(eio_packet.encode())
        setattr(eio_packet, FRAME_ATTR, frame)
    return frame


class _NoThread:
    """Stands in for simple-websocket's reader thread: the connection's own greenlet reads instead (InlineServer)."""

    name = "inline"

    def __init__(self, target: Callable[..., Any]) -> None:
        self.target = target

    def start(self) -> None:
        pass


class InlineServer(simple_websocket.Server):
    """simple-websocket's server, read by the greenlet that waits for messages instead of by a second greenlet per
    connection that hands them over through an event: one greenlet fewer per phone (memory, docs/benchmarks.md).
    The handshake, the protocol events (close, ping, size limit) and the buffering are the library's own."""

    def __init__(self, environ: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(environ, **{**kwargs, "thread_class": _NoThread})

    def receive(self, timeout: float | None = None) -> str | bytes | None:
        """The next message, reading the socket as needed (engine.io waits with no timeout; `timeout` is ignored
        and a closed connection raises ConnectionClosed, as the library's does)."""
        while self.connected and not self.input_buffer:
            try:
                data = self.sock.recv(self.receive_bytes)
                if not data:
                    raise OSError("the client closed the connection")
                self.ws.receive_data(data)
                self.connected = self._handle_events()
            except (OSError, LocalProtocolError):
                self.connected = False
        if self.input_buffer:
            return self.input_buffer.pop(0)
        self.sock.close()
        raise simple_websocket.ConnectionClosed(self.close_reason, self.close_message)


def direct(websocket_class: type, engineio_server: Any) -> type:
    """A subclass of engine.io's simple-websocket wrapper: uncompressed, read inline (InlineServer), framing its own
    messages and writing them whole, and letting a broadcast write to it without the queue while it is idle.
    gevent only."""
    start_background_task = engineio_server.start_background_task

    class DirectWebSocket(websocket_class):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.write_lock = Semaphore()

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            # As the library's wrapper does, with InlineServer and a size limit on messages while they arrive
            # (engine.io checks its own only once a whole message is in memory).
            self.ws = InlineServer(
                without_extension_offer(environ),
                max_message_size=engineio_server.max_http_buffer_size,
                **self.server_args,
            )
            # engine.io hands its socket's bound `_websocket_handler` as the app: that socket is who we serve.
            owner = getattr(self.app, "__self__", None)
            if owner is not None:
                setattr(owner, DIRECT_ATTR, self)
            try:
                ret = self.app(self)
            finally:
                if owner is not None:
                    owner.__dict__.pop(DIRECT_ATTR, None)
            if self.ws.mode == "gunicorn":
                raise StopIteration()
            if self.ws.mode == "werkzeug":
                raise ConnectionError()
            return ret

        def send(self, message: str | bytes) -> None:
            """The writer greenlet's send: whole frames (simple-websocket's single `sock.send` may write part of
            one), after any broadcast frame still being finished."""
            ws = self.ws
            if not ws.connected:
                raise OSError("the WebSocket is closed")
            frame = websocket_frame(message)
            with self.write_lock:
                ws.sock.sendall(frame)

        def send_frame_now(self, frame: bytes) -> bool:
            """Write `frame` without waiting; False when it cannot start now (the caller queues the packet)."""
            ws = getattr(self, "ws", None)
            if ws is None or not ws.connected or not self.write_lock.acquire(blocking=False):
                return False
            try:
                sent = ws.sock.send(frame, 0, 0.0)  # gevent: timeout 0 raises instead of waiting
            except OSError:  # would block (nothing written) or the connection is gone: the queue path handles both
                self.write_lock.release()
                return False
            if sent >= len(frame):
                self.write_lock.release()
            else:
                start_background_task(self._finish_frame, frame[sent:])
            return True

        def _finish_frame(self, rest: bytes) -> None:
            try:
                self.ws.sock.sendall(rest)
            except OSError:
                pass  # the reader sees the connection close and engine.io cleans up
            finally:
                self.write_lock.release()

    DirectWebSocket.__name__ = DirectWebSocket.__qualname__ = f"Direct{websocket_class.__name__}"
    return DirectWebSocket


def send_directly(eio_socket: Any, eio_packet: Any) -> bool:
    """Write a packet to an engine.io socket's WebSocket now if it is idle; False if it must go through the queue."""
    target = eio_socket.__dict__.get(DIRECT_ATTR)
    if (
        target is None
        or eio_socket.closed
        or eio_socket.upgrading
        or not eio_socket.upgraded
        or eio_socket.queue.qsize()
    ):
        return False
    last_ping = eio_socket.last_ping
    if last_ping and time.time() - last_ping > eio_socket.server.ping_timeout:
        return False  # engine.io's own send closes a socket whose client stopped answering pings
    return target.send_frame_now(packet_frame(eio_packet))


def install_direct_send(socketio_server: Any) -> None:
    """Route a Socket.IO server's packets to idle WebSockets directly (see above); everything else as before."""
    eio = socketio_server.eio
    queued = socketio_server._send_eio_packet

    def send_eio_packet(eio_sid: str, eio_packet: Any) -> None:
        eio_socket = eio.sockets.get(eio_sid)
        if eio_socket is None or not send_directly(eio_socket, eio_packet):
            queued(eio_sid, eio_packet)

    socketio_server._send_eio_packet = send_eio_packet


# --- Ping timers -----------------------------------------------------------------------------------------------
#
# engine.io waits out each connection's ping interval in a greenlet of its own that sleeps and then queues a PING:
# one sleeping greenlet per phone at all times, ~8 KB each (bench/README). An event-loop timer does the same wait
# for ~0.2 KB. gevent only, as the direct frames above.


class PingTimer:
    """Stands in for the greenlet engine.io starts with `Socket._send_ping`: after the ping interval, the same
    steps (unless the socket is closing or closed, stamp `last_ping` and queue a PING), from an event-loop timer.
    They never block (the queue is unbounded), so they may run in gevent's hub."""

    def __init__(self, eio_socket: Any) -> None:
        self.eio_socket = eio_socket
        self.timer: Any = None

    def start(self) -> None:
        self.timer = get_hub().loop.timer(self.eio_socket.server.ping_interval)
        self.timer.start(self.send_ping)

    def send_ping(self) -> None:
        eio_socket = self.eio_socket
        self.timer = None
        if not eio_socket.closing and not eio_socket.closed:
            eio_socket.last_ping = time.time()
            eio_socket.send(eio_packet.Packet(eio_packet.PING))

    def join(self, timeout: float | None = None) -> None:
        """Nothing to wait for (engine.io never joins its ping task)."""


def with_ping_timers(thread_class: type) -> Callable[..., Any]:
    """engine.io's background-task class (`_async["thread"]`), except that its ping waits become PingTimers."""
    send_ping = eio_socket_module.Socket._send_ping

    def background_task(target: Callable[..., Any], args: Any = (), kwargs: Any = None) -> Any:
        if getattr(target, "__func__", None) is send_ping:
            return PingTimer(target.__self__)
        return thread_class(target=target, args=args, kwargs=kwargs or {})

    return background_task


# --- A. The message-queue manager ------------------------------------------------------------------------------

RETRY_SECONDS = 0.5  # how often a server that lost the queue tries to reach it again
TIMEOUT_SECONDS = 1.0  # connecting to, or publishing on, the queue: a request never waits longer


class QueueWatch(Protocol):
    """What the manager tells about the queue (queue_watch.QueueState, plus what to do when listening resumes)."""

    @property
    def up(self) -> bool: ...

    def mark_down(self, exc: BaseException, where: str) -> None: ...

    def mark_up(self, where: str) -> bool: ...

    def listening_again(self) -> None: ...


class RemoteEvents:
    """Mixin for a PubSubManager: `remote_listener(message)` runs for each event another server published, just
    before this server's sockets get it (this server's own emits pass through `_handle_emit` too: they carry its
    host_id and are left alone)."""

    remote_listener: Callable[[dict[str, Any]], None] | None = None
    host_id: str

    def _handle_emit(self, message: dict[str, Any]) -> Any:
        listener = self.remote_listener
        if listener is not None and message.get("host_id") != self.host_id:
            listener(message)
        return super()._handle_emit(message)  # type: ignore[misc]


class WatchedRedisManager(RemoteEvents, socketio.RedisManager):
    """python-socketio's Redis manager that survives the queue's outages: once `watch` is set (queue_watch's init),
    publishing is one attempt with short timeouts and listening retries every RETRY_SECONDS, both telling `watch`
    when the queue drops and returns. Without `watch`, the library's own publishing and listening."""

    def __init__(self, url: str, channel: str) -> None:
        # No retries inside redis-py: its pub/sub would reconnect on its own and this server would never learn that
        # events were lost meanwhile; a connection attempt that hangs ends after TIMEOUT_SECONDS.
        super().__init__(
            url,
            channel=channel,
            write_only=False,
            redis_options={"socket_connect_timeout": TIMEOUT_SECONDS, "retry": Retry(NoBackoff(), 0)},
        )
        self.watch: QueueWatch | None = None
        self._publisher: Any = None
        self._publish_tried_at = 0.0

    def _publish(self, data: dict[str, Any]) -> Any:
        """One attempt with short timeouts. A message lost here reaches the other servers' sockets as part of the
        fresh state they send when the queue is back."""
        watch = self.watch
        if watch is None:
            return super()._publish(data)
        if self._publisher is None:
            self._publisher = redis.Redis.from_url(
                self.redis_url,
                socket_timeout=TIMEOUT_SECONDS,
                socket_connect_timeout=TIMEOUT_SECONDS,
                retry=Retry(NoBackoff(), 0),
            )
        now = time.monotonic()
        if not watch.up and now - self._publish_tried_at < RETRY_SECONDS:
            # Down: drop at once rather than make every request wait for a queue that may hang (a network cut
            # waits out the connect timeout); one try per RETRY_SECONDS notices a queue that came back.
            metrics.QUEUE_DROPPED.inc()
            return None
        self._publish_tried_at = now
        try:
            result = self._publisher.publish(self.channel, self.json.dumps(data))
        except Exception as exc:
            metrics.QUEUE_DROPPED.inc()
            watch.mark_down(exc, "publish")
            return None
        watch.mark_up("publish")
        return result

    def _redis_listen_with_retries(self) -> Any:
        watch = self.watch
        if watch is None:
            yield from super()._redis_listen_with_retries()
            return
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    if watch.mark_up("listen"):
                        watch.listening_again()
                yield from self.pubsub.listen()
            except Exception as exc:
                watch.mark_down(exc, "listen")
                subscribed = False
                time.sleep(RETRY_SECONDS)  # monkey-patched under gevent: a cooperative wait


def queue_manager(url: str, channel: str, remote_listener: Callable[[dict[str, Any]], None]) -> Any:
    """The manager for `SocketIO.init_app(client_manager=...)`: the class Flask-SocketIO would pick for `url`,
    with `remote_listener` called for other servers' events (and, for Redis, outages watched: WatchedRedisManager)."""
    if url.startswith(("redis://", "rediss://")):
        manager = WatchedRedisManager(url, channel)
    else:
        if url.startswith("kafka://"):
            base: type = socketio.KafkaManager
        elif url.startswith("zmq"):
            base = socketio.ZmqManager
        else:
            base = socketio.KombuManager
        manager = type(f"RemoteEvents{base.__name__}", (RemoteEvents, base), {})(url, channel=channel)
    manager.remote_listener = remote_listener
    return manager
