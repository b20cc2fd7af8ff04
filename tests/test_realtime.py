"""The realtime backbone: connect, time_sync, subscribe with role checks and snapshots, Origin checks."""

from __future__ import annotations

import pytest

from eventapp import realtime, schemas
from eventapp.errors import ApiError


def test_time_sync_returns_server_milliseconds(demo_app, socket_client):
    client = socket_client()
    reply = client.emit("time_sync", {"t0": 123}, callback=True)
    assert isinstance(reply["server_ms"], float)
    assert reply["t0"] == 123
    assert reply["server_ms"] > 1.7e12


def test_subscribe_program_gives_a_snapshot(demo_app, socket_client):
    client = socket_client()
    ack = client.emit("subscribe", {"channel": "program"}, callback=True)
    assert ack["ok"] is True
    assert ack["snapshot"]["event"]["timezone"] == "Asia/Seoul"
    assert len(ack["snapshot"]["papers"]) == 13


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (None, "invalid_channel"),
        ("program", "invalid_channel"),
        ({"channel": ""}, "invalid_channel"),
        ({"channel": "x" * 201}, "invalid_channel"),
        ({"channel": "nope"}, "unknown_channel"),
        ({"channel": "program:extra"}, "unknown_channel"),
    ],
)
def test_subscribe_refuses_bad_channels(demo_app, socket_client, payload, error):
    ack = socket_client().emit("subscribe", payload, callback=True)
    assert ack["ok"] is False
    assert ack["error"] == error
    assert ack["message"]


def test_a_channel_declared_by_a_feature_checks_roles_and_ids(demo_app, socket_client, make_staff, monkeypatch):
    def snapshot(arg):
        if arg != "known":
            raise ApiError(404, "not_found", "no such thing")
        return {"arg": arg}

    class SecretSnapshot(schemas.Answer):
        arg: str

    class SecretPush(schemas.Answer):
        n: int

    secret = realtime.Channel(
        "secret", allow=lambda who, _arg: who.has_role("chair"), snapshot=snapshot, needs_arg=True
    )
    monkeypatch.setitem(realtime._channels, "secret", secret)
    monkeypatch.setitem(demo_app.extensions[schemas.SNAPSHOTS_KEY], "secret", SecretSnapshot)
    monkeypatch.setitem(demo_app.extensions[schemas.PUSHES_KEY], "secret", SecretPush)
    audience = socket_client()
    assert audience.emit("subscribe", {"channel": "secret:known"}, callback=True)["error"] == "forbidden"
    chair = socket_client(make_staff("chair")["token"])
    assert chair.emit("subscribe", {"channel": "secret:known"}, callback=True) == {
        "ok": True,
        "channel": "secret:known",
        "snapshot": {"arg": "known"},
    }
    assert chair.emit("subscribe", {"channel": "secret:other"}, callback=True)["error"] == "not_found"
    # Only the subscribed room receives a publish.
    realtime.publish("secret:known", "secret", {"n": 1})
    assert [m["args"][0] for m in chair.get_received() if m["name"] == "secret"] == [{"n": 1}]
    assert not [m for m in audience.get_received() if m["name"] == "secret"]


def test_a_channel_declared_twice_is_refused():
    twice = realtime.Channel("twice", allow=realtime.anyone, snapshot=lambda _arg: {}, needs_arg=False)

    class Module:
        CHANNELS = (twice,)

    saved, saved_remote = dict(realtime._channels), dict(realtime._remote_listeners)
    try:
        with pytest.raises(RuntimeError, match="twice"):
            realtime.declare([Module, Module])
    finally:
        realtime._channels.clear()
        realtime._channels.update(saved)
        realtime._remote_listeners.clear()
        realtime._remote_listeners.update(saved_remote)


def test_a_bad_token_is_refused_at_connect(demo_app, socket_client):
    client = socket_client("not-a-token")
    assert not client.is_connected()


def test_a_revoked_token_is_refused_at_connect(demo_app, socket_client, make_staff):
    from eventapp import auth

    staff = make_staff("volunteer")
    auth.revoke_staff(staff["id"])
    assert not socket_client(staff["token"]).is_connected()


def test_no_token_connects_as_audience(demo_app, socket_client):
    assert socket_client().is_connected()


def test_program_publish_reaches_subscribers(demo_app, socket_client):
    from eventapp.program.service import publish_program

    client = socket_client()
    client.emit("subscribe", {"channel": "program"}, callback=True)
    client.get_received()
    publish_program()
    events = [m for m in client.get_received() if m["name"] == "program"]
    assert len(events) == 1
    assert events[0]["args"][0]["event"]["name"].startswith("The Second International Workshop")


def test_allowed_origins_are_the_public_address():
    assert realtime.allowed_origins("https://event.example.org") == ["https://event.example.org"]
    assert set(realtime.allowed_origins("http://127.0.0.1:5000")) == {"http://127.0.0.1:5000", "http://localhost:5000"}


def test_another_servers_event_calls_its_on_remote_callbacks_before_this_servers_sockets_get_it(app, monkeypatch):
    """What an ON_REMOTE callback drops (the timer's cached snapshot) is gone before any socket here sees the
    change; this server's own emits call no callback."""
    from functools import partial

    from socketio import PubSubManager

    from eventapp.socket_internals import RemoteEvents

    order = []

    class Sockets(PubSubManager):  # stands in for the library's handing of an emit to this server's sockets
        def _handle_emit(self, message):
            order.append(("sockets", message["event"]))

    class RecordingQueue(RemoteEvents, Sockets):
        def _publish(self, data):
            order.append(("queue", data.get("event")))

    manager = RecordingQueue()
    manager.remote_listener = partial(realtime.remote_event, app)
    monkeypatch.setattr(realtime.socketio.server, "manager", manager)
    monkeypatch.setattr(realtime, "_remote_listeners", {"timer": [lambda channel: order.append(("remote", channel))]})
    manager._handle_emit({"method": "emit", "event": "timer", "data": [{}], "room": "timer:main", "host_id": "other"})
    assert order == [("remote", "timer:main"), ("sockets", "timer")]
    manager.emit("timer", {"revision": 1}, room="timer:main")
    assert order[2:] == [("sockets", "timer"), ("queue", "timer")]


def test_disconnects_bring_a_full_garbage_collection(demo_app, socket_client, monkeypatch):
    """A closed connection leaves reference cycles that only a full collection frees, and the server's raised
    thresholds make those rare: every SOCKET_GC_AFTER_DISCONNECTS disconnects one runs (off the handler), so what
    reconnecting phones leave behind stays bounded. With the automatic collector off, only that collection can free
    a cycle made before the disconnects; no per-socket state of eventapp's stays either."""
    import gc
    import weakref

    class Cycle:
        pass

    monkeypatch.setitem(realtime._gc_policy, "after", 5)
    monkeypatch.setitem(realtime._gc_policy, "since", 0)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        cycle = Cycle()
        cycle.me = cycle
        alive = weakref.ref(cycle)
        del cycle
        before = realtime._gc_policy["collections"]
        connected = realtime.connected_count()  # other tests' sockets in this process may still be open
        for _ in range(4):
            socket_client().disconnect()
        assert realtime._gc_policy["collections"] == before and alive() is not None  # not yet: 4 of 5
        socket_client().disconnect()
        realtime._gc_policy["task"].join(30)
        assert realtime._gc_policy["collections"] == before + 1
        assert alive() is None
        assert realtime.connected_count() == connected
    finally:
        if was_enabled:
            gc.enable()
