"""Direct frames (eventapp/socket_internals.py): a broadcast frames its packet once and writes it to idle WebSockets
without engine.io's per-socket queue. These check the framing against wsproto, the rules that decide when a packet
may skip the queue, and, on real gevent sockets, that a slow reader never gets interleaved or lost frames."""

from __future__ import annotations

import socket
import struct
import time
from types import SimpleNamespace

import gevent
import gevent.socket
import pytest
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from wsproto.frame_protocol import FrameProtocol

from eventapp import socket_internals


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
@pytest.mark.parametrize("kind", [str, bytes])
def test_frames_are_what_wsproto_would_send(size: int, kind: type) -> None:
    if kind is str:  # two UTF-8 bytes per "é": the frame's length counts bytes, not characters
        message: str | bytes = "é" * (size // 2) + "a" * (size % 2)
    else:
        message = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    expected = FrameProtocol(client=False, extensions=[]).send_data(message, fin=True)
    assert socket_internals.websocket_frame(message) == expected


def test_a_packet_is_framed_once_for_every_socket() -> None:
    pkt = eio_packet.Packet(eio_packet.MESSAGE, data='2["timer",{"state":"running"}]')
    first = socket_internals.packet_frame(pkt)
    assert first == socket_internals.websocket_frame('42["timer",{"state":"running"}]')
    assert socket_internals.packet_frame(pkt) is first


def read_frames(sock: socket.socket, count: int) -> list[bytes]:
    """Parse `count` unmasked server frames off a socket (asserting each is a final, unfragmented frame)."""
    buffer = b""

    def take(n: int) -> bytes:
        nonlocal buffer
        while len(buffer) < n:
            chunk = sock.recv(65536)
            assert chunk, "the connection closed mid-frame"
            buffer += chunk
        out, buffer = buffer[:n], buffer[n:]
        return out

    frames = []
    for _ in range(count):
        first, second = take(2)
        assert first & 0x80, "a fragment: frames were split or interleaved"
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", take(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", take(8))
        frames.append(take(size))
    return frames


@pytest.fixture
def pair():
    """A gevent socket pair with small buffers, so a big frame is only partly accepted by the kernel."""
    server_side, client_side = gevent.socket.socketpair()
    server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client_side.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    yield server_side, client_side
    server_side.close()
    client_side.close()


def direct_socket(sock) -> object:
    cls = socket_internals.direct(SimpleWebSocketWSGI, SimpleNamespace(start_background_task=gevent.spawn))
    ws = cls(None, None)
    ws.ws = SimpleNamespace(sock=sock, connected=True)
    return ws


def test_an_idle_socket_takes_the_frame_at_once(pair) -> None:
    server_side, client_side = pair
    ws = direct_socket(server_side)
    assert ws.send_frame_now(socket_internals.websocket_frame("42[1]")) is True
    assert ws.send_frame_now(socket_internals.websocket_frame("42[2]")) is True  # the lock was released
    assert read_frames(client_side, 2) == [b"42[1]", b"42[2]"]


def test_a_slow_reader_gets_whole_frames_in_order(pair) -> None:
    server_side, client_side = pair
    ws = direct_socket(server_side)
    big = "4" + "x" * 2_000_000
    assert ws.send_frame_now(socket_internals.websocket_frame(big)) is True  # accepted: the rest goes in the background
    # While the rest is being written, a broadcast must not start another frame (its packet goes to the queue)...
    assert ws.send_frame_now(socket_internals.websocket_frame("42[2]")) is False
    # ...and the writer greenlet's next message waits for the frame to finish.
    writer = gevent.spawn(ws.send, "42[3]")
    reader = gevent.spawn(read_frames, client_side, 2)
    frames = reader.get(timeout=20)
    writer.get(timeout=5)
    assert frames == [big.encode(), b"42[3]"]
    assert ws.send_frame_now(socket_internals.websocket_frame("42[4]")) is True
    assert read_frames(client_side, 1) == [b"42[4]"]


def test_a_closed_connection_is_left_to_the_queue(pair) -> None:
    server_side, client_side = pair
    ws = direct_socket(server_side)
    ws.ws.connected = False
    assert ws.send_frame_now(socket_internals.websocket_frame("42[1]")) is False
    with pytest.raises(OSError):
        ws.send("42[1]")
    ws.ws.connected = True
    client_side.close()
    # The peer is gone: the write fails, the lock is released and engine.io's own path finds out and cleans up.
    assert ws.send_frame_now(socket_internals.websocket_frame("42[1]")) is False
    assert ws.write_lock.acquire(blocking=False)


class RecordingTarget:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def send_frame_now(self, frame: bytes) -> bool:
        self.frames.append(frame)
        return True


def eio_socket(**overrides) -> SimpleNamespace:
    state = {
        "closed": False,
        "upgrading": False,
        "upgraded": True,
        "queue": SimpleNamespace(qsize=lambda: 0),
        "last_ping": time.time(),
        "server": SimpleNamespace(ping_timeout=20),
        socket_internals.DIRECT_ATTR: RecordingTarget(),
    }
    state.update(overrides)
    return SimpleNamespace(**state)


@pytest.mark.parametrize(
    ("overrides", "direct"),
    [
        ({}, True),
        ({"queue": SimpleNamespace(qsize=lambda: 1)}, False),  # packets already wait: keep their order
        ({"upgrading": True}, False),  # engine.io holds sends during a polling -> WebSocket upgrade
        ({"upgraded": False}, False),  # long-polling client
        ({"closed": True}, False),
        ({"last_ping": time.time() - 60}, False),  # stopped answering pings: engine.io's send closes it
        ({socket_internals.DIRECT_ATTR: None}, False),  # not a direct WebSocket (e.g. compression on)
    ],
    ids=["idle", "queued", "upgrading", "polling", "closed", "ping-timeout", "not-direct"],
)
def test_when_a_packet_may_skip_the_queue(overrides: dict, direct: bool) -> None:
    sock = eio_socket(**overrides)
    pkt = eio_packet.Packet(eio_packet.MESSAGE, data="2[1]")
    assert socket_internals.send_directly(sock, pkt) is direct


def test_install_direct_send_falls_back_to_the_queue() -> None:
    queued: list[tuple[str, object]] = []
    idle, busy = eio_socket(), eio_socket(queue=SimpleNamespace(qsize=lambda: 2))
    server = SimpleNamespace(
        eio=SimpleNamespace(sockets={"idle": idle, "busy": busy}),
        _send_eio_packet=lambda sid, pkt: queued.append((sid, pkt)),
    )
    socket_internals.install_direct_send(server)
    pkt = eio_packet.Packet(eio_packet.MESSAGE, data="2[1]")
    for sid in ("idle", "busy", "gone"):
        server._send_eio_packet(sid, pkt)
    assert getattr(idle, socket_internals.DIRECT_ATTR).frames == [socket_internals.websocket_frame("42[1]")]
    assert queued == [("busy", pkt), ("gone", pkt)]


# --- ping timers -------------------------------------------------------------------------------------------------


def engineio_socket(ping_interval: float) -> object:
    from engineio import socket as eio_socket_module
    from gevent.queue import JoinableQueue

    server = SimpleNamespace(
        ping_interval=ping_interval, ping_timeout=5, create_queue=JoinableQueue, logger=SimpleNamespace(info=print)
    )
    return eio_socket_module.Socket(server, "sid-1")


def test_engineio_ping_waits_become_timers_and_other_tasks_stay_greenlets() -> None:
    from engineio.async_drivers.gevent import Thread

    task = socket_internals.with_ping_timers(Thread)
    sock = engineio_socket(0.05)
    ping = task(target=sock._send_ping)
    assert isinstance(ping, socket_internals.PingTimer)
    other = task(target=lambda: None)
    assert isinstance(other, Thread)


@pytest.mark.parametrize("closed", [False, True])
def test_a_ping_timer_queues_a_ping_after_the_interval(closed: bool) -> None:
    sock = engineio_socket(0.05)
    sock.last_ping = None  # as engine.io's schedule_ping leaves it
    sock.closed = closed
    timer = socket_internals.PingTimer(sock)
    timer.start()
    assert sock.queue.qsize() == 0  # nothing before the interval
    gevent.sleep(0.2)
    if closed:
        assert sock.queue.qsize() == 0 and sock.last_ping is None
    else:
        pkt = sock.queue.get_nowait()
        assert pkt.packet_type == eio_packet.PING
        assert sock.last_ping is not None


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory):
    """A real `eventapp serve` with a 1 s ping interval and timeout and a 4 KB message limit."""
    from test_websocket_compression import serve

    server = serve(
        tmp_path_factory.mktemp("tight"),
        EVENTAPP_SOCKET_PING_INTERVAL="1",
        EVENTAPP_SOCKET_PING_TIMEOUT="1",
        EVENTAPP_SOCKET_MAX_MESSAGE_BYTES="4096",
    )
    yield server
    server.stop()


def test_pings_keep_a_quiet_connection_alive(tight_server) -> None:
    """The python client drops a connection that hears nothing for interval + timeout (2 s), so still being
    connected after 5 quiet seconds means the timers pinged."""
    import socketio

    client = socketio.Client(reconnection=False)
    try:
        client.connect(tight_server.url, transports=["websocket"], wait_timeout=10)
        time.sleep(5)
        assert client.connected
        assert "server_ms" in client.call("time_sync", {"t0": 1}, timeout=5)
    finally:
        client.disconnect()


def test_a_message_over_the_limit_closes_the_connection_while_it_arrives(tight_server) -> None:
    """InlineServer passes engine.io's size limit to simple-websocket, which refuses a message as it grows (1009)
    instead of buffering it whole; the server goes on serving others."""
    import simple_websocket

    url = f"ws://127.0.0.1:{tight_server.port}/socket.io/?EIO=4&transport=websocket"
    ws = simple_websocket.Client.connect(url)
    assert ws.receive(timeout=5).startswith("0{")  # engine.io's open packet
    ws.send("4" + "x" * 100_000)
    with pytest.raises(simple_websocket.ConnectionClosed) as closed:
        while True:
            assert ws.receive(timeout=5) is not None, "no close within 5 s"
    assert closed.value.reason == 1009
    other = simple_websocket.Client.connect(url)
    assert other.receive(timeout=5).startswith("0{")
    other.close()
