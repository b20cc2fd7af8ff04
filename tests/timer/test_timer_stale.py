"""Commands name the state they were pressed on (`expected_revision`): a double tap never moves two slots."""

from __future__ import annotations

import itertools

import pytest
from flask import g

_ids = itertools.count()


def cmd(action: str, **extra) -> dict:
    return {"action": action, "command_id": f"s{next(_ids)}", **extra}


@pytest.fixture
def chair(demo_app, make_staff):
    return make_staff("chair", room_ids=["main"])


def post(client, who, body, room="main"):
    g.pop("principal", None)  # the fixture's app context outlives requests, and the principal cached in `g`
    return client.post(f"/api/v1/rooms/{room}/timer", json=body, headers=who["headers"])


def state(client):
    return client.get("/api/v1/rooms/main/timer").get_json()


def test_a_double_tap_on_next_moves_one_slot_and_the_second_is_409_with_the_snapshot(demo_app, client, chair):
    post(client, chair, cmd("previous"))
    post(client, chair, cmd("previous"))
    before = state(client)
    first = post(client, chair, cmd("next", expected_revision=before["revision"]))
    second = post(client, chair, cmd("next", expected_revision=before["revision"]))
    assert first.status_code == 200 and first.get_json()["slot_index"] == before["slot_index"] + 1
    assert second.status_code == 409
    body = second.get_json()
    assert body["error"] == "stale" and body["message"]
    assert body["snapshot"]["slot_id"] == first.get_json()["slot_id"]
    assert body["snapshot"]["revision"] == first.get_json()["revision"]
    assert state(client)["slot_id"] == first.get_json()["slot_id"]  # nothing changed


def test_undo_after_a_double_tap_goes_back_to_where_the_chair_was(demo_app, client, chair):
    post(client, chair, cmd("previous"))
    before = state(client)
    post(client, chair, cmd("next", expected_revision=before["revision"]))
    post(client, chair, cmd("next", expected_revision=before["revision"]))
    moved = state(client)
    undone = post(client, chair, cmd("undo", expected_revision=moved["revision"])).get_json()
    assert undone["slot_id"] == before["slot_id"]


def test_a_repeat_of_an_applied_command_id_answers_as_before_even_when_stale(demo_app, client, chair):
    rev = state(client)["revision"]
    body = cmd("start", expected_revision=rev)
    first = post(client, chair, body)
    post(client, chair, cmd("pause"))
    again = post(client, chair, body)  # a retry after a lost answer: not refused as stale
    assert first.status_code == again.status_code == 200
    assert again.get_json().get("duplicate") is True


def test_a_current_revision_applies_and_a_bad_one_is_400(demo_app, client, chair):
    rev = state(client)["revision"]
    r = post(client, chair, cmd("start", expected_revision=rev))
    assert r.status_code == 200 and r.get_json()["state"] == "running"
    for bad in ("3", -1, 1.5, True):
        r = post(client, chair, cmd("pause", expected_revision=bad))
        assert r.status_code == 400 and r.get_json()["error"] == "invalid_expected_revision"
    assert state(client)["state"] == "running"


def test_a_revision_from_the_future_is_stale_too(demo_app, client, chair):
    rev = state(client)["revision"]
    r = post(client, chair, cmd("start", expected_revision=rev + 5))
    assert r.status_code == 409 and r.get_json()["error"] == "stale"
    assert state(client)["state"] == "idle"


def test_the_talk_flowing_into_qa_by_itself_does_not_make_a_press_stale(demo_app, client, chair, monkeypatch):
    from eventapp.timer import commands, reads
    from eventapp.timer.state import now_ms

    post(client, chair, cmd("previous"))  # the keynote before the closing has a Q&A
    rev = post(client, chair, cmd("start")).get_json()["revision"]
    real = now_ms()
    for module in (reads, commands):
        monkeypatch.setattr(module, "now_ms", lambda: real + 3_600_000)  # long after the talk's deadline
    flowed = state(client)
    assert flowed["segment"] == "qa" and flowed["revision"] > rev
    r = post(client, chair, cmd("pause", expected_revision=rev))  # pressed on the screen before the flow
    assert r.status_code == 200 and r.get_json()["state"] == "paused"


def test_the_socket_command_refuses_a_stale_revision_the_same_way(demo_app, socket_client, chair):
    phone = socket_client(token=chair["token"])
    rev = phone.emit("subscribe", {"channel": "timer:main"}, callback=True)["snapshot"]["revision"]
    first = phone.emit("timer_command", {"room_id": "main", **cmd("next", expected_revision=rev)}, callback=True)
    second = phone.emit("timer_command", {"room_id": "main", **cmd("next", expected_revision=rev)}, callback=True)
    assert first["ok"] is True
    assert second["ok"] is False and second["error"] == "stale" and second["message"]
    assert second["snapshot"]["slot_id"] == first["state"]["slot_id"]


def test_a_message_neither_is_stale_nor_makes_a_timer_press_stale(demo_app, client, chair):
    rev = state(client)["revision"]
    r = post(client, chair, {**cmd("message", text="Mic is off"), "expected_revision": rev})
    assert r.status_code == 200
    r = post(client, chair, cmd("start", expected_revision=rev))  # pressed before the message's answer came
    assert r.status_code == 200 and r.get_json()["state"] == "running"
    r = post(client, chair, {**cmd("clear_message"), "expected_revision": rev})  # an old screen: still applies
    assert r.status_code == 200 and r.get_json()["message"] is None
