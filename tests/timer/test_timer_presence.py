"""The chair console knows whether an author of the current and next paper has checked in."""

from __future__ import annotations

import time

from eventapp.checkin.badges import get_badge


def press(client, staff, action, n):
    for _ in range(5):
        response = client.post(
            "/api/v1/rooms/main/timer",
            json={"action": action, "command_id": f"p-{action}-{n}"},
            headers=staff["headers"],
        )
        if response.status_code != 429:
            return response.get_json()
        time.sleep(float(response.headers["Retry-After"]))
    raise AssertionError("rate limited")


def test_presenter_presence_comes_from_check_in(demo_app, client, make_staff):
    chair = make_staff("chair", room_ids=["main"])
    volunteer = make_staff("volunteer")
    state = client.get("/api/v1/rooms/main/timer").get_json()
    n = 0
    while state["slot_id"] != "talk-L4":
        state = press(client, chair, "previous", n)
        n += 1
        assert n < 40
    assert state["slot"]["presenter_present"] in (True, False)
    # Check in every author of L4 who is not yet present; the timer then reports the paper covered.
    authors = {a["person_id"] for a in client.get("/api/v1/program").get_json()["papers"][3]["authors"]}
    person = sorted(authors)[0]
    response = client.post(
        "/api/v1/checkins", json={"code": get_badge(person).code, "nonce": "presence-1"}, headers=volunteer["headers"]
    )
    assert response.status_code in (200, 201)
    after = client.get("/api/v1/rooms/main/timer").get_json()["slot"]["presenter_present"]
    assert after is True  # the public timer says whether, never who
    # Who is here is the chair's to see, on the staff coverage channel the chair console follows.
    coverage = client.get("/api/v1/coverage", headers=chair["headers"]).get_json()
    entry = next(p for p in coverage["papers"] if p["paper_id"] == state["slot"]["paper_id"])
    assert person in {a["person_id"] for a in entry["present_authors"]}


def test_an_untouched_timer_follows_the_plan_until_the_first_command(demo_app, client, make_staff, monkeypatch):
    from datetime import datetime, timedelta

    from eventapp.timer import commands, state

    base = datetime.fromisoformat("2024-08-04T09:05:00+09:00")
    clock = {"now": base}
    for module in (state, commands):
        monkeypatch.setattr(module, "utcnow", lambda: clock["now"])
    assert client.get("/api/v1/rooms/main/timer").get_json()["slot_id"] == "keynote-1"
    clock["now"] = base + timedelta(minutes=40)  # 09:45: the second keynote by the plan
    assert client.get("/api/v1/rooms/main/timer").get_json()["slot_id"] == "keynote-2"
    chair = make_staff("chair", room_ids=["main"])
    assert press(client, chair, "previous", 1)["slot_id"] == "keynote-1"
    clock["now"] = base + timedelta(hours=2)  # the chair leads now: the plan no longer moves the timer
    assert client.get("/api/v1/rooms/main/timer").get_json()["slot_id"] == "keynote-1"
