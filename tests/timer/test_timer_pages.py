"""The timer's pages: public screens render for a room, the console needs the room's chair."""

from __future__ import annotations

from flask import g


def get(client, path, who=None):
    g.pop("principal", None)  # the fixture's app context outlives requests
    return client.get(path, headers=who["headers"] if who else {})


def test_screens_render_with_the_state_and_the_qa_code(demo_app, client):
    stage = get(client, "/rooms/main/stage")
    assert stage.status_code == 200
    html = stage.get_data(as_text=True)
    assert "data-stage-question" in html and "<svg" in html and "/rooms/main/qa" in html
    assert 'data-state="{' in html and "Closing and best paper award" in html
    for path in ("/rooms/main/speaker", "/rooms/main/remote?delay=2.5", "/rooms/main/remote?delay=abc"):
        assert get(client, path).status_code == 200
    assert 'value="2.5"' in get(client, "/rooms/main/remote?delay=2.5").get_data(as_text=True)
    assert "https://stream.example.org/tai4h" in get(client, "/rooms/main/remote").get_data(as_text=True)
    assert get(client, "/rooms/nowhere/stage").status_code == 404


def test_chair_console_is_for_the_rooms_chair(demo_app, client, make_staff):
    assert get(client, "/rooms/main/chair").status_code == 302  # to the sign-in help
    chair = make_staff("chair", room_ids=["main"])
    page = get(client, "/rooms/main/chair", chair)
    assert page.status_code == 200 and 'data-action="toggle"' in page.get_data(as_text=True)
    assert get(client, "/rooms/main/chair", make_staff("chair", room_ids=["b"])).status_code == 403
    assert get(client, "/chair", chair).status_code == 200
    assert get(client, "/chair", make_staff("volunteer")).status_code == 403


def test_program_page_shows_the_day_plan(demo_app, client, make_staff):
    chair = make_staff("chair", room_ids=["main"])
    g.pop("principal", None)
    client.post("/api/v1/rooms/main/timer", json={"action": "previous", "command_id": "p1"}, headers=chair["headers"])
    g.pop("principal", None)
    client.post("/api/v1/rooms/main/timer", json={"action": "start", "command_id": "p2"}, headers=chair["headers"])
    html = get(client, "/program").get_data(as_text=True)
    # Run long after the demo's day, the summary says the forecast is meaningless rather than print nonsense.
    assert "data-plan-summary" in html and "outside the event" in html
    assert "Started " in html  # keynote-5, started just now (long after its planned 16:50)
    assert "min late" not in html  # no lateness in years for a timer run on another day
