"""What the timer tells other features (`timer_changed`) and its part of the program payload (`program_payload`),
and the command's action rules as declared in timer/schemas.py (the codes and messages the API has always given)."""

from __future__ import annotations

import itertools

import pytest
from flask import g

from eventapp.errors import ApiError
from eventapp.signals import program_payload, timer_changed
from eventapp.timer.commands import parse_command

_ids = itertools.count()


def cmd(action: str, **extra) -> dict:
    return {"action": action, "command_id": f"sig{next(_ids)}", **extra}


def post(client, who, body):
    g.pop("principal", None)
    return client.post("/api/v1/rooms/main/timer", json=body, headers=who["headers"])


@pytest.fixture
def heard():
    got: list[dict] = []

    def receiver(sender, **kwargs):
        got.append(kwargs)

    timer_changed.connect(receiver)
    yield got
    timer_changed.disconnect(receiver)


def test_a_committed_command_sends_timer_changed_once_with_its_state(demo_app, client, make_staff, heard):
    chair = make_staff("chair", room_ids=["main"])
    body = cmd("start")
    state = post(client, chair, body).get_json()
    assert heard == [{"room_id": "main", "state": state}]
    post(client, chair, body)  # the same command again: nothing changed, nothing sent
    assert len(heard) == 1
    post(client, chair, cmd("message", text="Five minutes"))  # a message is a change too
    assert len(heard) == 2 and heard[1]["state"]["message"]["text"] == "Five minutes"


def test_a_refused_command_sends_nothing(demo_app, client, make_staff, heard):
    chair = make_staff("chair", room_ids=["main"])
    assert post(client, chair, cmd("adjust", seconds=0)).status_code == 400
    assert heard == []


def test_another_server_s_timer_event_sends_timer_changed_without_a_state(demo_app, heard):
    from eventapp.timer import events

    with demo_app.app_context():
        events._changed_elsewhere("timer:main")
        events._changed_elsewhere("qa:main")  # not a timer channel: nothing to tell
    assert heard == [{"room_id": "main", "state": None}]


def test_a_failing_receiver_does_not_fail_the_command(demo_app, client, make_staff):
    def broken(sender, **kwargs):
        raise RuntimeError("a receiver's bug")

    timer_changed.connect(broken)
    try:
        chair = make_staff("chair", room_ids=["main"])
        assert post(client, chair, cmd("start")).status_code == 200
    finally:
        timer_changed.disconnect(broken)


def test_the_day_plan_is_the_timer_s_receiver_of_program_payload(demo_app, client):
    from eventapp.timer import events

    assert events._add_day_plan in program_payload.receivers_for(None)
    program = client.get("/api/v1/program").get_json()
    assert "main" in program["plan"]["rooms"]
    assert all("expected_start" in slot for x in program["sessions"] for slot in x["slots"])


@pytest.mark.parametrize(
    "body, code, message",
    [
        (["start"], "invalid_body", 'Send a JSON object such as {"action": "start", "command_id": "…"}.'),
        (
            {"action": "explode", "command_id": "x"},
            "unknown_action",
            "action must be one of start, pause, resume, next, previous, qa, adjust, reset, undo, message, flash, "
            "clear_message.",
        ),
        ({"action": "explode"}, "unknown_action", None),  # the action is checked before the id
        (
            {"action": "start", "command_id": " "},
            "invalid_command_id",
            "command_id must be text of 1 to 64 characters.",
        ),
        (
            {"action": "adjust", "command_id": "x", "seconds": True},
            "invalid_seconds",
            "adjust needs seconds: a whole number from -3600 to 3600, not 0.",
        ),
        ({"action": "adjust", "command_id": "x", "seconds": -3601}, "invalid_seconds", None),
        (
            {"action": "message", "command_id": "x", "text": "  "},
            "invalid_text",
            "text must be text of 1 to 140 characters.",
        ),
    ],
)
def test_the_action_rules_keep_their_codes_and_messages(body, code, message):
    with pytest.raises(ApiError) as err:
        parse_command(body)
    assert err.value.status == 400 and err.value.code == code
    if message is not None:
        assert err.value.message == message


def test_fields_an_action_does_not_use_are_not_looked_at():
    assert parse_command({"action": "start", "command_id": " c1 ", "seconds": "x", "text": 5}) == (
        "start",
        "c1",
        None,
        {},
    )
    assert parse_command({"action": "adjust", "command_id": "c2", "seconds": -30}) == ("adjust", "c2", -30, {})
    assert parse_command({"action": "message", "command_id": "c3", "text": " Wrap up ", "flash": 1}) == (
        "message",
        "c3",
        None,
        {"text": "Wrap up", "flash": True},
    )
