"""The room's Q&A board follows the chair's timer: next/previous move it; a break shows the next talk's board."""

from __future__ import annotations

import time


def room_board(client) -> str:
    return client.get("/api/v1/rooms/main/qa").get_json()["slot_id"]


def press(client, staff, action, n):
    """One chair command; waits out the chair's rate limit (ten a second) when a walk through the day hits it."""
    for _ in range(5):
        response = client.post(
            "/api/v1/rooms/main/timer", json={"action": action, "command_id": f"{action}-{n}"}, headers=staff["headers"]
        )
        if response.status_code != 429:
            break
        time.sleep(float(response.headers["Retry-After"]))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["slot_id"]


def test_the_board_moves_with_the_chairs_next_and_previous(demo_app, client, make_staff):
    chair = make_staff("chair", room_ids=["main"])
    # The demo day (2024-08-04) is over: an untouched timer rests on the last slot by the plan.
    assert room_board(client) == client.get("/api/v1/rooms/main/timer").get_json()["slot_id"] == "closing"
    for n in range(30):  # back to the first slot of the day
        if press(client, chair, "previous", n) == "opening":
            break
    assert room_board(client) == "opening"
    assert press(client, chair, "next", 100) == "keynote-1"
    assert room_board(client) == "keynote-1"


def test_during_a_break_the_board_is_the_next_talks(demo_app, client, make_staff):
    chair = make_staff("chair", room_ids=["main"])
    slot = client.get("/api/v1/rooms/main/timer").get_json()["slot_id"]
    n = 0
    while slot != "break-am":
        slot = press(client, chair, "previous", n)
        n += 1
        assert n < 40
    assert room_board(client) == "talk-L1"  # the coffee break is followed by the first long oral
