"""The coverage channel: organizers and chairs only; a board gets the push of a scan."""

import uuid

from checkin_helpers import author_id, code_of


def test_a_board_gets_the_push_when_an_author_checks_in(client, volunteer, organizer, socket_client):
    board = socket_client(organizer["token"])
    ack = board.emit("subscribe", {"channel": "coverage"}, callback=True)
    assert ack["ok"] and {p["paper_id"]: p["status"] for p in ack["snapshot"]["papers"]}["L1"] == "covered"
    board.get_received()
    pid = author_id("L4", 3)
    r = client.post(
        "/api/v1/checkins", json={"code": code_of(pid), "nonce": uuid.uuid4().hex}, headers=volunteer["headers"]
    )
    assert r.status_code == 201
    pushes = [m["args"][0] for m in board.get_received() if m["name"] == "coverage"]
    assert len(pushes) == 1
    assert [(p["paper_id"], p["status"]) for p in pushes[0]["papers"]] == [("L4", "covered")]
    assert pushes[0]["summary"]["covered"] == 5
    # A repeat changes nothing: no push.
    client.post(
        "/api/v1/checkins", json={"code": code_of(pid), "nonce": uuid.uuid4().hex}, headers=volunteer["headers"]
    )
    assert not [m for m in board.get_received() if m["name"] == "coverage"]


def test_who_may_follow_coverage(demo_app, socket_client, make_staff):
    assert socket_client().emit("subscribe", {"channel": "coverage"}, callback=True)["ok"] is False
    vol = socket_client(make_staff("volunteer")["token"])
    assert vol.emit("subscribe", {"channel": "coverage"}, callback=True)["error"] == "forbidden"
    chair_all = socket_client(make_staff("chair")["token"])
    assert chair_all.emit("subscribe", {"channel": "coverage"}, callback=True)["ok"]
    scoped = socket_client(make_staff("chair", room_ids=["main"])["token"])
    assert scoped.emit("subscribe", {"channel": "coverage"}, callback=True)["ok"]
    ack = scoped.emit("subscribe", {"channel": "coverage-room:main"}, callback=True)
    assert ack["ok"] and all(p["room_id"] == "main" for p in ack["snapshot"]["papers"])
    assert scoped.emit("subscribe", {"channel": "coverage-room:other"}, callback=True)["ok"] is False


def test_a_room_board_gets_its_room_push(client, volunteer, socket_client, make_staff):
    chair = socket_client(make_staff("chair", room_ids=["main"])["token"])
    assert chair.emit("subscribe", {"channel": "coverage-room:main"}, callback=True)["ok"]
    chair.get_received()
    r = client.post(
        "/api/v1/checkins", json={"code": code_of(author_id("S8", 1)), "nonce": "room-1"}, headers=volunteer["headers"]
    )
    assert r.status_code == 201
    pushes = [m["args"][0] for m in chair.get_received() if m["name"] == "coverage"]
    assert [(p["paper_id"], p["status"]) for p in pushes[0]["papers"]] == [("S8", "covered")]
