""" "Now" is what is happening: a room's running or paused timer decides it; the plan only when the timer is idle."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import g

from eventapp.db import session_scope
from eventapp.program.service import program_payload
from eventapp.timer.clock import TimerState
from eventapp.timer.models import TimerRow, TimerSegment

SEOUL = ZoneInfo("Asia/Seoul")
_ids = itertools.count()


def at(hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(2024, 8, 4, h, m, tzinfo=SEOUL)


def ms(hhmm: str) -> int:
    return int(at(hhmm).timestamp() * 1000)


def cmd(action: str) -> dict:
    return {"action": action, "command_id": f"n{next(_ids)}"}


@pytest.fixture
def chair(demo_app, make_staff):
    return make_staff("chair", room_ids=["main"])


def post(client, who, body):
    g.pop("principal", None)
    return client.post("/api/v1/rooms/main/timer", json=body, headers=who["headers"])


def late_hall(state: str) -> None:
    """The hall runs 34 minutes late: keynote 5 (planned 16:50-17:30) started at 17:24."""
    with session_scope() as s:
        s.add(TimerSegment(room_id="main", slot_id="keynote-5", segment="talk", started_at_ms=ms("17:24")))
        if state == "running":
            clock = TimerState(slot_index=21, segment="talk", state="running", ends_at_ms=ms("17:54"), revision=7)
        else:
            clock = TimerState(slot_index=21, segment="talk", state="paused", remaining_ms=20 * 60_000, revision=7)
        s.add(TimerRow(room_id="main", slot_id="keynote-5", clock=clock.to_dict(), revision=7, last_command_id="x"))


@pytest.mark.parametrize("state", ["running", "paused"])
def test_a_late_hall_s_running_or_paused_timer_is_now_not_the_plan(demo_app, state):
    late_hall(state)
    payload = program_payload(now=at("17:34"))  # the plan says the closing (17:30-17:40)
    assert payload["now"]["current_slot_id"] == "keynote-5"
    assert payload["now"]["next_slot_id"] == "closing"
    room = payload["plan"]["rooms"]["main"]
    assert room["current_slot_id"] == "keynote-5" and room["next_slot_id"] == "closing"
    slots = {x["id"]: x for session in payload["sessions"] for x in session["slots"]}
    assert slots["closing"]["expected_start"] > slots["closing"]["starts_at"]  # what follows, at its expected time


def test_after_the_planned_day_the_running_closing_talk_is_now(demo_app, client, chair):
    # The reported case: the day ran late past its planned end, the closing talk ran, "Nothing is on right now".
    assert client.get("/api/v1/program").get_json()["now"]["current_slot_id"] is None
    post(client, chair, cmd("start"))
    body = client.get("/api/v1/program").get_json()
    assert body["now"]["current_slot_id"] == "closing" and body["now"]["next_slot_id"] is None
    assert body["plan"]["rooms"]["main"]["current_slot_id"] == "closing"
    page = client.get("/program").get_data(as_text=True)
    assert "Nothing is on right now" not in page and "Closing and best paper award" in page.split("data-now>")[1][:200]
    room_page = client.get("/rooms/main").get_data(as_text=True)
    assert "Nothing is on right now" not in room_page
    post(client, chair, cmd("pause"))
    assert client.get("/api/v1/program").get_json()["now"]["current_slot_id"] == "closing"
    post(client, chair, cmd("reset"))  # idle again: the plan decides
    assert client.get("/api/v1/program").get_json()["now"]["current_slot_id"] is None


def test_an_idle_timer_leaves_now_to_the_plan(demo_app):
    with session_scope() as s:
        clock = TimerState(slot_index=21, segment="talk", state="idle", remaining_ms=30 * 60_000, revision=2)
        s.add(TimerRow(room_id="main", slot_id="keynote-5", clock=clock.to_dict(), revision=2, last_command_id="x"))
    payload = program_payload(now=at("11:05"))
    assert payload["now"]["current_slot_id"] == "talk-L2"
    assert payload["plan"]["rooms"]["main"]["current_slot_id"] == "talk-L2"


def test_the_program_channel_carries_the_timer_s_now(demo_app, socket_client, client, chair):
    screen = socket_client()
    assert screen.emit("subscribe", {"channel": "program"}, callback=True)["ok"]
    post(client, chair, cmd("start"))
    pushed = [e for e in screen.get_received() if e["name"] == "program"]
    assert pushed and pushed[-1]["args"][0]["now"]["current_slot_id"] == "closing"
