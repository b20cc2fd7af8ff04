"""The public contract of DESIGN.md, walked through once against a real server (gunicorn, gevent) and real
clients: what integrations rely on, in one place. Details and every error live in the feature tests."""

from __future__ import annotations

import csv
import io
import time

import pytest
import requests
import socketio

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(module_live_server):
    s = module_live_server
    s.organizer = s.staff("organizer")
    s.chair = s.staff("chair", "--room", "main")
    s.volunteer = s.staff("volunteer")
    return s


def auth(staff) -> dict:
    return {"Authorization": f"Bearer {staff['token']}"}


def test_cli_staff_add_json(server):
    assert {"token", "login_url"} <= set(server.organizer)
    assert server.organizer["login_url"].startswith(server.url + "/login/")


def test_landing_health_me_and_program(server):
    assert "Trustworthy Artificial Intelligence for Healthcare" in requests.get(server.url + "/", timeout=5).text
    assert requests.get(server.url + "/healthz", timeout=5).json()["status"] == "ok"
    me = requests.get(server.url + "/api/v1/me", headers=auth(server.chair), timeout=5).json()
    assert {"name", "role"} <= set(me) and me["role"] == "chair"
    assert requests.get(server.url + "/api/v1/me", timeout=5).status_code == 401
    program = requests.get(server.url + "/api/v1/program", timeout=5).json()
    assert {"name", "date", "timezone"} <= set(program["event"])
    assert {"id", "name"} <= set(program["rooms"][0])
    slot = program["sessions"][0]["slots"][0]
    assert {"id", "kind", "title", "starts_at", "ends_at", "paper_id", "talk_seconds", "qa_seconds"} <= set(slot)
    assert slot["starts_at"].endswith("+09:00")
    paper = program["papers"][0]
    assert {"id", "title", "format", "authors"} <= set(paper) and {"person_id", "name"} <= set(paper["authors"][0])


def test_check_in_coverage_and_badges(server):
    volunteer = auth(server.volunteer)
    rows = list(
        csv.DictReader(
            io.StringIO(requests.get(server.url + "/api/v1/badges.csv", headers=auth(server.organizer), timeout=5).text)
        )
    )
    assert {"person_id", "name", "code"} <= set(rows[0])
    assert requests.get(server.url + "/api/v1/badges.csv", headers=volunteer, timeout=5).status_code == 403
    coverage = requests.get(server.url + "/api/v1/coverage", headers=auth(server.organizer), timeout=5).json()
    assert {"paper_id", "title", "status", "present_authors"} <= set(coverage["papers"][0]) and "summary" in coverage
    present = {a["person_id"] for p in coverage["papers"] for a in p["present_authors"]}
    program = requests.get(server.url + "/api/v1/program", timeout=5).json()
    absent = [a["person_id"] for p in program["papers"] for a in p["authors"] if a["person_id"] not in present]
    code = next(r["code"] for r in rows if int(r["person_id"]) == absent[-1])
    first = requests.post(
        server.url + "/api/v1/checkins",
        json={"code": f"  {code.lower()} ", "nonce": "c-1"},
        headers=volunteer,
        timeout=5,
    )
    assert first.status_code == 201 and first.json()["result"] == "ok" and {"person", "papers"} <= set(first.json())
    again = requests.post(
        server.url + "/api/v1/checkins", json={"code": code, "nonce": "c-1"}, headers=volunteer, timeout=5
    )
    assert again.status_code == 201  # the same nonce: the first answer, nothing new recorded
    assert {k: v for k, v in again.json().items() if k != "replayed"} == first.json()
    repeat = requests.post(
        server.url + "/api/v1/checkins", json={"code": code, "nonce": "c-2"}, headers=volunteer, timeout=5
    )
    assert repeat.status_code == 200 and repeat.json()["result"] == "already"
    forged = requests.post(
        server.url + "/api/v1/checkins",
        json={"code": code[:-1] + ("A" if code[-1] != "A" else "B"), "nonce": "c-3"},
        headers=volunteer,
        timeout=5,
    )
    assert 400 <= forged.status_code < 500 and forged.json()["error"]


def test_timer_over_http_and_socket(server):
    state = requests.get(server.url + "/api/v1/rooms/main/timer", timeout=5).json()
    assert {"room_id", "slot_id", "segment", "state", "ends_at_ms", "remaining_ms", "revision", "server_ms"} <= set(
        state
    )
    assert state["ends_at_ms"] is None
    screen = socketio.SimpleClient()
    screen.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        assert screen.call("subscribe", {"channel": "timer:main"}, timeout=5)["ok"]
        started = requests.post(
            server.url + "/api/v1/rooms/main/timer",
            headers=auth(server.chair),
            timeout=5,
            json={"action": "start", "command_id": "contract-1"},
        )
        assert started.status_code == 200 and started.json()["state"] == "running" and started.json()["ends_at_ms"]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            name, *args = screen.receive(timeout=5)
            if name == "timer" and args[0]["revision"] == started.json()["revision"]:
                break
        else:
            pytest.fail("no timer event")
        denied = requests.post(
            server.url + "/api/v1/rooms/main/timer",
            headers=auth(server.volunteer),
            timeout=5,
            json={"action": "pause", "command_id": "contract-2"},
        )
        assert denied.status_code == 403
    finally:
        screen.disconnect()


def test_questions_votes_and_moderation(server):
    slot = requests.get(server.url + "/api/v1/rooms/main/qa", timeout=5).json()["slot_id"]
    phone = requests.Session()
    asked = phone.post(
        f"{server.url}/api/v1/slots/{slot}/questions",
        json={"text": "  Is the code public?  "},
        headers={"Origin": server.url},
        timeout=5,
    )
    assert asked.status_code == 201
    question = asked.json()
    assert {"id", "slot_id", "text", "name", "status", "votes", "highlighted"} <= set(question)
    assert question["text"] == "Is the code public?"
    voter = requests.Session()
    voter.get(f"{server.url}/slots/{slot}/qa", timeout=5)
    for _ in range(2):  # repeats included
        assert voter.post(f"{server.url}/api/v1/questions/{question['id']}/vote", timeout=5).json()["votes"] == 1
    assert voter.delete(f"{server.url}/api/v1/questions/{question['id']}/vote", timeout=5).json()["votes"] == 0
    patched = requests.patch(
        f"{server.url}/api/v1/questions/{question['id']}",
        json={"highlighted": True},
        headers=auth(server.chair),
        timeout=5,
    )
    assert patched.status_code == 200 and patched.json()["highlighted"] is True
    listed = requests.get(f"{server.url}/api/v1/slots/{slot}/questions", timeout=5).json()["questions"]
    assert question["id"] in {q["id"] for q in listed}


def test_socket_time_sync_channels_and_refusals(server):
    staff = socketio.SimpleClient()
    staff.connect(server.url, transports=["websocket"], auth={"token": server.organizer["token"]}, wait_timeout=10)
    audience = socketio.SimpleClient()
    audience.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        assert isinstance(audience.call("time_sync", {}, timeout=5)["server_ms"], float)
        slot = "keynote-1"
        for channel in ("program", "timer:main", f"qa:{slot}"):
            assert audience.call("subscribe", {"channel": channel}, timeout=5)["ok"], channel
        for channel in ("coverage", f"qa-mod:{slot}"):
            assert audience.call("subscribe", {"channel": channel}, timeout=5) == {
                **audience.call("subscribe", {"channel": channel}, timeout=5),
                "ok": False,
            }
            ack = staff.call("subscribe", {"channel": channel}, timeout=5)
            assert ack["ok"] and "snapshot" in ack, channel
    finally:
        staff.disconnect()
        audience.disconnect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.SimpleClient().connect(
            server.url, transports=["websocket"], auth={"token": "revoked-or-forged"}, wait_timeout=5
        )
