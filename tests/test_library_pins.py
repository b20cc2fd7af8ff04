"""The socket libraries' private members that eventapp relies on, checked against the installed releases.

pyproject.toml pins flask-socketio, python-socketio, python-engineio and simple-websocket below their next minor
release because eventapp/socket_internals.py (PubSubManager._handle_emit, the Redis manager's publishing and
listening, engine.io's driver table, socket and WebSocket wrapper, simple-websocket's server) overrides or uses
members that are no public API. Before raising a pin, run this file against the new
release: each failure names the member that moved and the module that relies on it. tests/test_websocket_direct.py
and tests/test_websocket_compression.py then check the behaviour against a real `eventapp serve`.
"""

import base64
import importlib
import inspect
import os
import socket
from importlib.metadata import version

import engineio
import pytest
import simple_websocket
import socketio
from engineio.socket import Socket as EioSocket

from eventapp import socket_internals

REALTIME = WEBSOCKET = "eventapp/socket_internals.py"
DISTRIBUTIONS = {"socketio": "python-socketio", "engineio": "python-engineio", "simple_websocket": "simple-websocket"}


def installed(module_name: str) -> str:
    top = module_name.split(".")[0]
    dist = DISTRIBUTIONS.get(top, top)
    return f"{dist} {version(dist)}"


def member(owner, name: str, user: str):
    """owner.name, or a failure naming the member, the installed release and the eventapp module that needs it."""
    if not hasattr(owner, name):
        where = getattr(owner, "__module__", None) or owner.__name__
        label = f"{getattr(owner, '__qualname__', owner.__name__)}.{name}"
        pytest.fail(f"{label} is gone from the installed {installed(where)}: {user} relies on it", pytrace=False)
    return getattr(owner, name)


class Recorder:
    """Stands in for a class engine.io instantiates, recording how it was called."""

    calls: list

    def __init__(self, *args, **kwargs):
        type(self).calls.append((args, kwargs))

    def start(self):
        pass

    def __call__(self, environ, start_response):
        return "served"


def recorder() -> type:
    return type("Recording", (Recorder,), {"calls": []})


@pytest.mark.parametrize(
    ("path", "name", "user"),
    [
        ("socketio:PubSubManager", "_handle_emit", REALTIME),
        ("socketio:RedisManager", "_publish", REALTIME),
        ("socketio:RedisManager", "_redis_listen_with_retries", REALTIME),
        ("socketio:RedisManager", "_redis_connect", REALTIME),
        ("socketio:Server", "_send_eio_packet", WEBSOCKET),
        ("engineio.async_drivers._websocket_wsgi:SimpleWebSocketWSGI", "__call__", WEBSOCKET),
        ("engineio.socket:Socket", "_send_ping", WEBSOCKET),
        ("engineio.socket:Socket", "_websocket_handler", WEBSOCKET),
        ("engineio.socket:Socket", "_upgrade_websocket", WEBSOCKET),
        ("engineio.socket:Socket", "schedule_ping", WEBSOCKET),
        ("engineio.server:Server", "start_background_task", WEBSOCKET),
        ("engineio.packet:Packet", "encode", WEBSOCKET),
        ("engineio.packet", "PING", WEBSOCKET),
        ("engineio.async_drivers.gevent", "_async", WEBSOCKET),
        ("simple_websocket:Server", "_handle_events", WEBSOCKET),
        ("simple_websocket", "ConnectionClosed", WEBSOCKET),
        ("wsproto.utilities", "LocalProtocolError", WEBSOCKET),
    ],
)
def test_the_private_members_exist(path, name, user):
    module_name, _, class_name = path.partition(":")
    try:
        owner = importlib.import_module(module_name)
    except ImportError as error:
        pytest.fail(f"module {module_name} is gone ({error}): {user} relies on it", pytrace=False)
    if class_name:
        owner = member(owner, class_name, user)
    member(owner, name, user)


def test_every_emit_passes_through_the_pubsub_managers_handle_emit():
    """socket_internals.RemoteEvents overrides `_handle_emit`: PubSubManager must call it through `self` for this
    server's own emits (with host_id, event and room in the message) and for the ones its listener receives."""
    seen = []

    class Queue(socketio.PubSubManager):
        def _publish(self, data):
            pass

    manager = Queue()
    member(manager, "host_id", REALTIME)
    manager._handle_emit = seen.append
    manager.emit("timer", {"revision": 1}, room="timer:main")
    assert seen, f"PubSubManager.emit no longer calls self._handle_emit: {REALTIME} relies on it"
    message = seen[0]
    missing = {"method", "event", "room", "host_id"} - set(message)
    assert not missing, f"PubSubManager's emit message lacks {missing}: {REALTIME} reads them"
    assert (message["event"], message["room"], message["host_id"]) == ("timer", "timer:main", manager.host_id)
    listener = inspect.getsource(member(socketio.PubSubManager, "_thread", REALTIME))
    assert "self._handle_emit(" in listener, "PubSubManager._thread no longer hands messages to self._handle_emit"


def test_broadcasts_go_through_the_servers_send_eio_packet():
    """socket_internals.install_direct_send replaces `server._send_eio_packet` on the instance: every packet to a socket
    must be sent through it."""
    server = socketio.Server(async_mode="threading")
    member(server, "eio", WEBSOCKET)
    sent = []
    server._send_eio_packet = lambda eio_sid, packet: sent.append(eio_sid)
    server.manager.initialize()
    server.manager.connect("eio-1", "/")
    server.emit("timer", {"revision": 1})
    assert sent == ["eio-1"], "socketio's Manager.emit no longer sends through server._send_eio_packet"


def test_engineio_server_builds_tasks_and_websockets_from_its_async_table():
    server = engineio.Server(async_mode="threading")
    for name in ("async_mode", "max_http_buffer_size", "ping_interval", "ping_timeout", "sockets"):
        member(server, name, WEBSOCKET)
    table = member(server, "_async", WEBSOCKET)
    assert {"websocket", "thread"} <= set(table), f"engine.io's _async table has {sorted(table)}"
    thread = recorder()
    server._async = {**table, "thread": thread}
    server.start_background_task(print, 1, end="")
    assert thread.calls == [((), {"target": print, "args": (1,), "kwargs": {"end": ""}})]


def test_engineio_socket_pings_and_upgrades_through_the_server():
    """with_ping_timers recognises the ping task by `Socket._send_ping`; direct() finds the socket it serves as the
    bound `_websocket_handler` engine.io hands to `_async["websocket"]`; send_directly reads the socket's state."""
    server = engineio.Server(async_mode="threading")
    eio_socket = EioSocket(server, "sid-1")
    for name in ("closed", "closing", "upgrading", "upgraded", "queue", "last_ping", "server"):
        member(eio_socket, name, WEBSOCKET)
    member(eio_socket.queue, "qsize", WEBSOCKET)
    thread, ws = recorder(), recorder()
    server._async = {**server._async, "thread": thread, "websocket": ws}
    eio_socket.schedule_ping()
    assert [kwargs["target"].__func__ for _, kwargs in thread.calls] == [EioSocket._send_ping]
    assert eio_socket._upgrade_websocket({}, None) == "served"
    (handler, given_server), _ = ws.calls[0]
    assert (handler.__func__, handler.__self__, given_server) == (EioSocket._websocket_handler, eio_socket, server)


def test_engineio_gevent_driver_uses_the_simple_websocket_wrapper():
    """configure() takes direct frames only when the gevent driver's WebSocket class is a SimpleWebSocketWSGI
    (otherwise it quietly falls back to the queue); DirectWebSocket reads the wrapper's `app` and `server_args`."""
    from engineio.async_drivers import gevent as gevent_driver
    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

    assert issubclass(gevent_driver._async["websocket"], SimpleWebSocketWSGI), (
        "engine.io's gevent driver no longer wraps simple-websocket: eventapp/socket_internals.py's direct frames are off"
    )
    wrapper = SimpleWebSocketWSGI(print, None, thread_class=object)
    assert (member(wrapper, "app", WEBSOCKET), member(wrapper, "server_args", WEBSOCKET)) == (
        print,
        {"thread_class": object},
    )


def test_simple_websocket_server_reads_inline():
    """InlineServer passes its own thread class and reads the socket itself through the server's members."""
    ours, theirs = socket.socketpair()
    environ = {
        "werkzeug.socket": ours,
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/socket.io/",
        "QUERY_STRING": "EIO=4&transport=websocket",
        "HTTP_HOST": "localhost",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": base64.b64encode(os.urandom(16)).decode(),
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
    }
    try:
        server = socket_internals.InlineServer(environ, max_message_size=1000)
        for name in ("mode", "connected", "sock", "receive_bytes", "ws", "input_buffer", "close_reason"):
            member(server, name, WEBSOCKET)
        assert isinstance(server.thread, socket_internals._NoThread)
        assert theirs.recv(4096).startswith(b"HTTP/1.1 101 ")
        mask, payload = os.urandom(4), b"2probe"
        theirs.sendall(
            bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        )
        assert server.receive() == "2probe"
        theirs.close()
        with pytest.raises(simple_websocket.ConnectionClosed):
            server.receive()
    finally:
        ours.close()
        theirs.close()


def test_the_redis_manager_listens_and_publishes_through_the_members_we_override():
    """WatchedRedisManager replaces `_publish` and `_redis_listen_with_retries` and uses the manager's connection
    members: RedisManager must still call them, and take its options and URL as the override reads them."""
    from eventapp.socket_internals import WatchedRedisManager

    listen = inspect.getsource(member(socketio.RedisManager, "_listen", REALTIME))
    assert "self._redis_listen_with_retries()" in listen, "RedisManager._listen no longer reads its listener"
    manager = WatchedRedisManager("redis://127.0.0.1:1/0", "pins")
    for name in ("redis_url", "redis_options", "channel", "json", "host_id"):
        member(manager, name, REALTIME)
    assert manager.redis_options["socket_connect_timeout"] > 0
    connect = inspect.getsource(member(socketio.RedisManager, "_redis_connect", REALTIME))
    assert "self.pubsub" in connect and "redis_options" in connect, "RedisManager._redis_connect changed"
