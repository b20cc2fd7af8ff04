"""Timer over HTTP and the socket: the contract, every refusal, idempotency, actual times, the day plan."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import g
from sqlmodel import select

from eventapp.db import session_scope
from eventapp.timer.models import TimerSegment

_ids = itertools.count()


def cmd(action: str, **extra) -> dict:
    return {"action": action, "command_id": f"c{next(_ids)}", **extra}


@pytest.fixture
def chair(demo_app, make_staff):
    return make_staff("chair", room_ids=["main"])


def post(client, who, body, room="main"):
    # The fixture's app context outlives requests, and with it the principal cached in `g`.
    g.pop("principal", None)
    return client.post(f"/api/v1/rooms/{room}/timer", json=body, headers=who["headers"] if who else {})


def test_get_follows_the_contract_and_rests_on_the_plan_slot(demo_app, client):
    r = client.get("/api/v1/rooms/main/timer")
    assert r.status_code == 200
    body = r.get_json()
    for key in ("room_id", "slot_id", "segment", "state", "ends_at_ms", "remaining_ms", "revision", "server_ms"):
        assert key in body
    # Today is long after 4 August 2024: the last slot of the day.
    assert (body["slot_id"], body["state"], body["segment"], body["ends_at_ms"]) == ("closing", "idle", "talk", None)
    assert body["remaining_ms"] == 600_000
    assert body["slot"]["presenter_present"] is None and body["next_slot"] is None


def test_chair_runs_the_timer_and_every_state_is_stored(demo_app, client, chair):
    r = post(client, chair, cmd("previous"))
    assert r.status_code == 200 and r.get_json()["slot_id"] == "keynote-5"
    started = post(client, chair, cmd("start")).get_json()
    assert started["state"] == "running" and started["ends_at_ms"] is not None
    assert started["qa_ends_at_ms"] == started["ends_at_ms"] + 600_000
    assert started["revision"] > r.get_json()["revision"]
    adjusted = post(client, chair, cmd("adjust", seconds=-60)).get_json()
    assert adjusted["ends_at_ms"] == started["ends_at_ms"] - 60_000
    assert client.get("/api/v1/rooms/main/timer").get_json()["ends_at_ms"] == adjusted["ends_at_ms"]
    paused = post(client, chair, cmd("pause")).get_json()
    assert paused["state"] == "paused" and paused["ends_at_ms"] is None
    undone = post(client, chair, cmd("undo")).get_json()
    assert undone["state"] == "running" and undone["ends_at_ms"] == adjusted["ends_at_ms"]
    qa = post(client, chair, cmd("qa")).get_json()
    assert qa["segment"] == "qa"
    nxt = post(client, chair, cmd("next")).get_json()
    assert (nxt["slot_id"], nxt["state"]) == ("closing", "idle")
    with session_scope() as s:
        rows = {(x.slot_id, x.segment): x for x in s.exec(select(TimerSegment))}
    assert rows[("keynote-5", "talk")].ended_at_ms is not None
    assert rows[("keynote-5", "qa")].ended_at_ms is not None
    assert rows[("keynote-5", "qa")].started_at_ms == rows[("keynote-5", "talk")].ended_at_ms


def test_the_log_lists_actual_segment_times(demo_app, client, chair):
    post(client, chair, cmd("previous"))
    post(client, chair, cmd("start"))
    post(client, chair, cmd("qa"))
    log = client.get("/api/v1/rooms/main/timer/log").get_json()
    assert [(x["slot_id"], x["segment"]) for x in log["segments"]] == [("keynote-5", "talk"), ("keynote-5", "qa")]
    assert log["segments"][0]["ended_at_ms"] == log["segments"][1]["started_at_ms"]
    assert log["segments"][1]["ended_at"] is None and log["segments"][0]["started_at"].endswith("+09:00")
    assert client.get("/api/v1/rooms/nowhere/timer/log").status_code == 404


def test_a_repeated_command_id_applies_once(demo_app, client, chair):
    post(client, chair, cmd("previous"))
    body = cmd("next")
    first = post(client, chair, body).get_json()
    again = post(client, chair, body).get_json()
    assert first["slot_id"] == again["slot_id"] == "closing"
    assert again["revision"] == first["revision"] and again.get("duplicate") is True


def test_organizer_may_run_any_room(demo_app, client, make_staff):
    org = make_staff("organizer")
    assert post(client, org, cmd("start")).status_code == 200


@pytest.mark.parametrize(
    "body, code",
    [
        ({"action": "explode", "command_id": "x1"}, "unknown_action"),
        ({"command_id": "x2"}, "unknown_action"),
        ({"action": "adjust", "command_id": "x3"}, "invalid_seconds"),
        ({"action": "adjust", "seconds": 0, "command_id": "x4"}, "invalid_seconds"),
        ({"action": "adjust", "seconds": 99999, "command_id": "x5"}, "invalid_seconds"),
        ({"action": "adjust", "seconds": "30", "command_id": "x6"}, "invalid_seconds"),
        ({"action": "adjust", "seconds": 1.5, "command_id": "x7"}, "invalid_seconds"),
        ({"action": "start"}, "invalid_command_id"),
        ({"action": "start", "command_id": ""}, "invalid_command_id"),
        ({"action": "start", "command_id": "x" * 65}, "invalid_command_id"),
        ({"action": "start", "command_id": 12}, "invalid_command_id"),
        ({"action": "message", "command_id": "x8"}, "invalid_text"),
        ({"action": "message", "command_id": "x9", "text": "y" * 141}, "invalid_text"),
        (["start"], "invalid_body"),
    ],
)
def test_bad_commands_are_400_with_a_reason(demo_app, client, chair, body, code):
    r = post(client, chair, body)
    assert r.status_code == 400
    assert r.get_json()["error"] == code and r.get_json()["message"]


def test_refusals_401_403_404_409(demo_app, client, make_staff, chair):
    assert post(client, None, cmd("start")).status_code == 401
    bad = {"headers": {"Authorization": "Bearer nope"}}
    assert post(client, bad, cmd("start")).status_code == 401
    other = make_staff("chair", room_ids=["other-room"])
    r = post(client, other, cmd("start"))
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    volunteer = make_staff("volunteer")
    assert post(client, volunteer, cmd("start")).status_code == 403
    r = post(client, chair, cmd("start"), room="nowhere")
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"
    assert client.get("/api/v1/rooms/nowhere/timer").status_code == 404
    r = post(client, chair, cmd("undo"))
    assert r.status_code == 409 and r.get_json()["error"] == "nothing_to_undo"


def test_ten_commands_a_second_pass_and_a_flood_gets_429(demo_app, client, chair):
    codes = [post(client, chair, cmd("adjust", seconds=1)).status_code for _ in range(10)]
    assert codes == [200] * 10
    codes = [post(client, chair, cmd("adjust", seconds=1)).status_code for _ in range(30)]
    assert 429 in codes
    r = post(client, chair, cmd("adjust", seconds=1))
    if r.status_code == 429:
        assert r.get_json()["error"] == "rate_limited" and "Retry-After" in r.headers


def test_messages_to_the_speaker(demo_app, client, chair):
    body = post(client, chair, cmd("message", text="Wrap up", flash=True)).get_json()
    assert body["message"]["text"] == "Wrap up" and body["message"]["flash"] is True
    assert post(client, chair, cmd("clear_message")).get_json()["message"] is None


def test_a_subscribed_screen_gets_every_change(demo_app, socket_client, chair):
    screen = socket_client()
    ack = screen.emit("subscribe", {"channel": "timer:main"}, callback=True)
    assert ack["ok"] and ack["snapshot"]["room_id"] == "main" and ack["snapshot"]["state"] == "idle"
    phone = socket_client(token=chair["token"])
    res = phone.emit("timer_command", {"room_id": "main", **cmd("start")}, callback=True)
    assert res["ok"] and res["state"]["state"] == "running"
    events = [e for e in screen.get_received() if e["name"] == "timer"]
    assert events and events[-1]["args"][0]["ends_at_ms"] == res["state"]["ends_at_ms"]
    assert events[-1]["args"][0]["revision"] == res["state"]["revision"]


def test_socket_commands_have_the_same_checks(demo_app, socket_client, make_staff):
    anon = socket_client()
    res = anon.emit("timer_command", {"room_id": "main", **cmd("start")}, callback=True)
    assert res == {"ok": False, "error": "unauthenticated", "message": res["message"]}
    other = socket_client(token=make_staff("chair", room_ids=["elsewhere"])["token"])
    assert other.emit("timer_command", {"room_id": "main", **cmd("start")}, callback=True)["error"] == "forbidden"
    chair = socket_client(token=make_staff("chair", room_ids=["main"])["token"])
    assert chair.emit("timer_command", {"room_id": "main", "action": "start"}, callback=True)["error"] == (
        "invalid_command_id"
    )
    assert chair.emit("timer_command", {"room_id": "zzz", **cmd("start")}, callback=True)["error"] == "not_found"
    assert chair.emit("subscribe", {"channel": "timer:zzz"}, callback=True)["ok"] is False


def test_program_payload_carries_the_day_plan(demo_app, client, chair):
    before = client.get("/api/v1/program").get_json()
    assert "sessions" in before and "plan" in before
    post(client, chair, cmd("previous"))
    post(client, chair, cmd("start"))
    after = client.get("/api/v1/program").get_json()
    slots = {s["id"]: s for x in after["sessions"] for s in x["slots"]}
    assert slots["keynote-5"]["actual_start"] is not None
    assert slots["closing"]["expected_start"] is not None and "delay_seconds" in slots["closing"]
    room = after["plan"]["rooms"]["main"]
    assert room["current_slot_id"] == "keynote-5" and room["timer_state"] == "running"
    assert room["expected_end"] is not None


def test_program_channel_is_pushed_on_timer_changes(demo_app, socket_client, client, chair):
    screen = socket_client()
    assert screen.emit("subscribe", {"channel": "program"}, callback=True)["ok"]
    post(client, chair, cmd("start"))
    pushed = [e for e in screen.get_received() if e["name"] == "program"]
    assert pushed and pushed[-1]["args"][0]["plan"]["rooms"]["main"]["timer_state"] == "running"


def test_keyframes_repeat_the_state_for_subscribers(demo_app, socket_client):

    from eventapp.timer import keyframes

    demo_app.config.update(TIMER_KEYFRAMES=True, TIMER_KEYFRAME_SECONDS=0.2)
    screen = socket_client()
    assert screen.emit("subscribe", {"channel": "timer:main"}, callback=True)["ok"]
    try:
        deadline = time.monotonic() + 10
        frames = []
        while len(frames) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            frames += [e for e in screen.get_received() if e["name"] == "timer"]
    finally:
        keyframes.stop_keyframes(demo_app)
        time.sleep(0.3)
    assert len(frames) >= 2
    assert frames[0]["args"][0]["revision"] == frames[1]["args"][0]["revision"]  # the same state, again
    assert frames[1]["args"][0]["server_ms"] > frames[0]["args"][0]["server_ms"]


def test_presence_of_an_author_reaches_the_chair_once_check_in_tells(demo_app, client, chair, monkeypatch):
    from eventapp.timer import presence

    assert post(client, chair, cmd("previous")).get_json()["slot"]["presenter_present"] is None
    monkeypatch.setattr(
        presence, "_presence", lambda ids: {i: {"status": "covered", "present_authors": ["A"]} for i in ids}
    )
    body = post(client, chair, cmd("previous")).get_json()
    assert body["slot"]["paper_id"] == "S8"
    assert body["slot"]["presenter_present"] is True  # the public timer says yes or no, never who
    assert body["next_slot"]["presenter_present"] is None  # keynote-5 has no paper


def test_a_room_changed_since_the_last_beat_gets_no_keyframe(monkeypatch):
    """Another server's command reaches this server's screens through the queue; its keyframe would repeat it."""

    from eventapp.timer import keyframes

    monkeypatch.setattr(keyframes, "_keyframed_revision", {})
    monkeypatch.setattr(keyframes, "last_push", {})
    assert not keyframes._due_for_keyframe("main", 3, 5.0)  # first beat: unknown before, so just changed
    assert keyframes._due_for_keyframe("main", 3, 5.0)  # quiet for a whole period
    assert not keyframes._due_for_keyframe("main", 4, 5.0)  # changed elsewhere since the last beat
    assert keyframes._due_for_keyframe("main", 4, 5.0)
    keyframes.last_push["main"] = time.monotonic()  # pushed by this server just now
    assert not keyframes._due_for_keyframe("main", 4, 5.0)


def test_a_room_changed_while_the_queue_was_down_gets_its_keyframe(monkeypatch):
    """Issue #13: the change's push never crossed the queue, so this server's screens need the keyframe."""
    from eventapp.timer import keyframes

    monkeypatch.setattr(keyframes, "_keyframed_revision", {"main": 3})
    monkeypatch.setattr(keyframes, "last_push", {})
    assert keyframes._due_for_keyframe("main", 4, 5.0, queue_delivered=False)
    assert keyframes._due_for_keyframe("main", 5, 5.0, queue_delivered=False)  # a chair pressing on every beat
    assert not keyframes._due_for_keyframe("main", 6, 5.0, queue_delivered=True)


def test_a_hall_subscribing_at_once_shares_one_snapshot_until_the_room_changes(
    demo_app, socket_client, chair, monkeypatch
):
    """Subscribers reuse the last snapshot until the room changes; a command means a fresh one, and so does age
    (the presenter's check-in is pushed on its own, so a reused snapshot is at most a second old)."""
    from eventapp.timer import reads
    from eventapp.timer import snapshots as cache

    socket_client().emit("subscribe", {"channel": "timer:main"}, callback=True)  # creating the room's row is a change
    builds = []
    real_get_timer = reads.get_timer
    monkeypatch.setattr(reads, "get_timer", lambda room_id: builds.append(room_id) or real_get_timer(room_id))
    snapshots = []
    for _ in range(5):
        ack = socket_client().emit("subscribe", {"channel": "timer:main"}, callback=True)
        snapshots.append(ack["snapshot"])
    assert builds == ["main"] and all(s == snapshots[0] for s in snapshots)
    phone = socket_client(token=chair["token"])
    state = phone.emit("timer_command", {"room_id": "main", **cmd("start")}, callback=True)["state"]
    after = socket_client().emit("subscribe", {"channel": "timer:main"}, callback=True)["snapshot"]
    assert len(builds) == 2 and after["revision"] == state["revision"] and after["state"] == "running"
    monkeypatch.setattr(cache, "SNAPSHOT_REUSE_SECONDS", 0.0)
    socket_client().emit("subscribe", {"channel": "timer:main"}, callback=True)
    assert len(builds) == 3


def test_a_change_announced_by_another_server_means_a_fresh_snapshot(demo_app, socket_client, monkeypatch):
    """Another server's timer event, as it arrives through the queue, drops this server's snapshot of that room
    (and of no other room)."""
    from eventapp.timer import events, reads

    socket_client().emit("subscribe", {"channel": "timer:main"}, callback=True)  # creating the room's row is a change
    builds = []
    real_get_timer = reads.get_timer
    monkeypatch.setattr(reads, "get_timer", lambda room_id: builds.append(room_id) or real_get_timer(room_id))
    for _ in range(2):
        socket_client().emit("subscribe", {"channel": "timer:main"}, callback=True)
    assert builds == ["main"]
    with demo_app.app_context():
        events._changed_elsewhere("timer:other-room")
    socket_client().emit("subscribe", {"channel": "timer:main"}, callback=True)
    assert builds == ["main"]
    with demo_app.app_context():
        events._changed_elsewhere("timer:main")
    socket_client().emit("subscribe", {"channel": "timer:main"}, callback=True)
    assert builds == ["main", "main"]


def test_a_snapshot_built_across_a_change_is_not_reused(demo_app, socket_client, monkeypatch):
    """A build reads the room while a change may land (its event arrives during the build): such a snapshot is
    sent to its own subscriber, who gets the change's event next, but not kept for later ones."""
    from eventapp.timer import reads, snapshots

    builds = []
    real_get_timer = reads.get_timer

    def get_timer_while_the_room_changes(room_id):
        builds.append(room_id)
        payload = real_get_timer(room_id)
        snapshots.forget_timer_snapshot(room_id)
        return payload

    monkeypatch.setattr(reads, "get_timer", get_timer_while_the_room_changes)
    for _ in range(2):
        assert socket_client().emit("subscribe", {"channel": "timer:main"}, callback=True)["ok"]
    assert builds == ["main", "main"]


def test_a_hall_missing_the_snapshot_at_once_waits_for_one_build(demo_app, monkeypatch):
    """When the snapshot is missing or stale, the phones subscribing at that moment share the one being built."""
    from eventapp.timer import reads

    with demo_app.app_context():
        reads.get_timer("main")  # creating the room's row is a change
    builds = []
    real_get_timer = reads.get_timer

    def slow_get_timer(room_id):
        builds.append(room_id)
        time.sleep(0.2)  # the database under a connecting hall
        return real_get_timer(room_id)

    monkeypatch.setattr(reads, "get_timer", slow_get_timer)

    def subscriber() -> dict:
        with demo_app.app_context():
            return reads.get_timer_snapshot("main")

    with ThreadPoolExecutor(max_workers=8) as pool:
        payloads = list(pool.map(lambda _: subscriber(), range(8)))
    assert builds == ["main"] and all(p == payloads[0] for p in payloads)
