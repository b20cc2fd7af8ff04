"""POST /api/v1/checkins and friends: the contract, every refusal, idempotency and the race."""

import threading
import uuid

from checkin_helpers import author_id, code_of, person_id

from eventapp.checkin import codes
from eventapp.checkin.board import coverage_payload


def scan(client, who, code, nonce=None, **extra):
    return client.post(
        "/api/v1/checkins", json={"code": code, "nonce": nonce or uuid.uuid4().hex, **extra}, headers=who["headers"]
    )


def test_first_scan_then_repeat_with_time_and_device(client, volunteer):
    pid = author_id("L4", 3)  # Xiaoying Tang, presenter of L4
    r = scan(client, volunteer, code_of(pid), device="Door 2")
    assert r.status_code == 201, r.json
    body = r.json
    assert body["result"] == "ok" and body["person"]["id"] == pid
    assert [p["paper_id"] for p in body["papers"]] == ["L4"] and body["papers"][0]["hhmm"] == "11:40"
    again = scan(client, volunteer, "  " + code_of(pid).lower() + " ", device="Door 3")
    assert again.status_code == 200
    assert again.json["result"] == "already"
    assert again.json["device"] == "Door 2" and again.json["checked_in_at"] == body["checked_in_at"]


def test_same_nonce_returns_the_first_answer_and_records_nothing(client, volunteer, organizer):
    pid = author_id("L4", 3)
    first = scan(client, volunteer, code_of(pid), nonce="n-1")
    second = scan(client, volunteer, code_of(pid), nonce="n-1")
    assert first.status_code == second.status_code == 201
    assert second.json["checkin_id"] == first.json["checkin_id"] and second.json["result"] == "ok"
    log = client.get("/api/v1/checkin/log", headers=organizer["headers"]).json["scans"]
    assert sum(1 for x in log if x["person_id"] == pid) == 1


def test_every_refusal_has_its_own_code(client, volunteer, app):
    pid = person_id("Attendee 07")
    cases = {
        "code_malformed": "not a badge",
        "code_too_long": "A" * 5000,
        "code_forged": codes.make_code("another-secret", pid),
        "code_unknown": codes.make_code(app.config["SECRET_KEY"], 99999),
    }
    for error, code in cases.items():
        r = scan(client, volunteer, code)
        assert 400 <= r.status_code < 500 and r.json["error"] == error, (error, r.status_code, r.json)
    org = {"headers": volunteer["headers"]}
    assert (
        client.post(f"/api/v1/badges/{pid}/reissue", json={"reason": "lost"}, headers=org["headers"]).status_code == 403
    )


def test_revoked_by_reissue(client, volunteer, organizer):
    pid = person_id("Attendee 07")
    old = code_of(pid)
    r = client.post(f"/api/v1/badges/{pid}/reissue", json={"reason": "lost badge"}, headers=organizer["headers"])
    assert r.status_code == 200 and r.json["code"] != old
    refused = scan(client, volunteer, old)
    assert refused.status_code == 410 and refused.json["error"] == "code_revoked"
    assert scan(client, volunteer, r.json["code"]).status_code == 201


def test_bad_bodies_are_4xx_never_500(client, volunteer):
    h = volunteer["headers"]
    assert (
        client.post("/api/v1/checkins", data="{", headers={**h, "Content-Type": "application/json"}).status_code == 400
    )
    assert client.post("/api/v1/checkins", json=[1], headers=h).json["error"] == "invalid_body"
    assert client.post("/api/v1/checkins", json={"code": "X"}, headers=h).json["error"] == "invalid_nonce"
    assert (
        client.post("/api/v1/checkins", json={"code": "X", "nonce": "n" * 65}, headers=h).json["error"]
        == "invalid_nonce"
    )
    assert client.post("/api/v1/checkins", json={"nonce": "n"}, headers=h).json["error"] == "code_missing"
    assert client.post("/api/v1/checkins", json={"code": 5, "nonce": "n"}, headers=h).json["error"] == "code_missing"
    r = client.post("/api/v1/checkins", json={"code": "X", "nonce": "n", "scanned_at": "yesterday"}, headers=h)
    assert r.json["error"] == "invalid_scanned_at"


def test_roles(client, demo_app, make_staff):
    assert client.post("/api/v1/checkins", json={"code": "x", "nonce": "n"}).status_code == 401
    chair = make_staff("chair", room_ids=["main"])
    assert client.get("/api/v1/coverage", headers=chair["headers"]).status_code == 200
    vol = make_staff("volunteer")
    assert client.get("/api/v1/coverage", headers=vol["headers"]).status_code == 403
    assert client.get("/api/v1/badges.csv", headers=chair["headers"]).status_code == 403


def test_refused_codes_are_rate_limited_but_valid_scans_never(client, volunteer):
    statuses = [scan(client, volunteer, f"GUESS{i}").status_code for i in range(25)]
    assert statuses[0] == 400 and statuses[-1] == 429
    assert scan(client, volunteer, code_of(person_id("Attendee 08"))).status_code == 201


def test_thirty_concurrent_scans_make_one_first_checkin(client, volunteer, app):
    pid = person_id("Attendee 09")
    code = code_of(pid)
    barrier = threading.Barrier(30)
    results = []

    def worker():
        c = app.test_client()
        barrier.wait()
        with app.app_context():
            r = scan(c, volunteer, code)
        results.append((r.status_code, r.json["result"]))

    threads = [threading.Thread(target=worker) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count((201, "ok")) == 1
    assert sorted(results).count((200, "already")) == 29


def test_manual_checkin_by_search(client, volunteer):
    found = client.get("/api/v1/checkin/search?q=tizi", headers=volunteer["headers"]).json["people"]
    assert [p["name"] for p in found] == ["Wafaa TIZI"] or len(found) == 1
    pid = found[0]["person_id"]
    r = client.post("/api/v1/checkins", json={"person_id": pid, "nonce": "manual-1"}, headers=volunteer["headers"])
    assert r.status_code == 201 and r.json["person"]["id"] == pid


def test_search_by_short_code(client, volunteer, app):
    from eventapp.checkin.badges import get_badge

    badge = get_badge(person_id("Attendee 10"))
    found = client.get(f"/api/v1/checkin/search?q={badge.short_code.lower()}", headers=volunteer["headers"]).json
    assert badge.person_id in [p["person_id"] for p in found["people"]]


def test_undo_and_excuse_are_logged_and_change_coverage(client, volunteer, organizer):
    pid = author_id("L4", 3)
    checkin = scan(client, volunteer, code_of(pid)).json
    assert _status("L4") == "covered"
    h = organizer["headers"]
    assert (
        client.post(f"/api/v1/checkins/{checkin['checkin_id']}/undo", json={}, headers=h).json["error"]
        == "reason_required"
    )
    r = client.post(f"/api/v1/checkins/{checkin['checkin_id']}/undo", json={"reason": "wrong person"}, headers=h)
    assert r.status_code == 200 and _status("L4") != "covered"
    assert (
        client.put("/api/v1/coverage/L4/excuse", json={"reason": "remote talk approved"}, headers=h).json["status"]
        == "excused"
    )
    assert _status("L4") == "excused"
    assert scan(client, volunteer, code_of(pid)).status_code == 201  # back again after the undo
    assert _status("L4") == "covered"
    audit = client.get("/api/v1/checkin/log", headers=h).json["audit"]
    assert {a["action"] for a in audit} >= {"undo", "excuse"} and any(a["reason"] == "wrong person" for a in audit)


def _status(paper_id):
    return next(p["status"] for p in coverage_payload()["papers"] if p["paper_id"] == paper_id)


def test_coverage_contract_and_demo_statuses(client, organizer):
    body = client.get("/api/v1/coverage", headers=organizer["headers"]).json
    assert set(body) >= {"papers", "summary"}
    entry = body["papers"][0]
    assert set(entry) >= {"paper_id", "title", "status", "present_authors"}
    statuses = {p["paper_id"]: p["status"] for p in body["papers"]}
    assert statuses["S6"] == "excused" and statuses["L1"] == "covered" and statuses["S5"] == "covered"
    assert set(statuses.values()) <= {"covered", "excused", "waiting", "at_risk", "uncovered"}


def test_badges_csv_and_walkin(client, organizer, volunteer):
    csv_text = client.get("/api/v1/badges.csv", headers=organizer["headers"]).get_data(as_text=True)
    header = csv_text.splitlines()[0].split(",")
    assert header[:2] == ["person_id", "name"] and "code" in header
    r = client.post(
        "/api/v1/checkin/walkins", json={"name": "Walk In", "affiliation": "KAIST"}, headers=organizer["headers"]
    )
    assert r.status_code == 201 and r.json["checkin"]["result"] == "ok"
    assert scan(client, volunteer, r.json["badge"]["code"]).json["result"] == "already"
    assert "Walk In" in client.get("/api/v1/badges.csv", headers=organizer["headers"]).get_data(as_text=True)
    assert client.get(r.json["badge_url"], headers=organizer["headers"]).status_code == 200


def test_exports(client, organizer):
    att = client.get("/api/v1/attendance.csv", headers=organizer["headers"]).get_data(as_text=True)
    cov = client.get("/api/v1/coverage.csv", headers=organizer["headers"]).get_data(as_text=True)
    assert att.startswith("person_id,name") and "Door 1 (synthetic)" in att
    assert cov.startswith("paper_id,title,status") and "S6" in cov


def test_offline_scans_keep_both_times_and_a_second_phone_logs_a_duplicate(client, volunteer, organizer):
    code = code_of(person_id("Attendee 11"))
    a = scan(client, volunteer, code, device="Door 1", offline=True, scanned_at="2024-08-04T09:01:00+09:00")
    b = scan(client, volunteer, code, device="Door 2", offline=True, scanned_at="2024-08-04T09:02:00+09:00")
    assert (a.status_code, b.status_code) == (201, 200)
    assert a.json["checked_in_hhmm"] == "09:01" and a.json["offline"] is True
    log = [
        x
        for x in client.get("/api/v1/checkin/log", headers=organizer["headers"]).json["scans"]
        if x["person_id"] == person_id("Attendee 11")
    ]
    assert sorted(x["result"] for x in log) == ["already", "ok"] and all(x["offline"] for x in log)
    assert all(x["at"] != x["scanned_at"] for x in log)


def test_paper_presence_for_the_chair_console(demo_app):
    from eventapp.checkin.presence import paper_presence

    result = paper_presence(["L1", "S6", "L4"])
    assert result["L1"]["status"] == "covered" and result["L1"]["present_authors"][0]["name"] == "Hao Chen"
    assert result["S6"]["status"] == "excused" and result["L4"]["present_authors"] == []


def test_an_online_scan_is_timed_by_the_server_not_the_phone_clock(client, volunteer):
    r = scan(client, volunteer, code_of(person_id("Attendee 13")), scanned_at="2020-01-01T00:00:00Z")
    assert r.status_code == 201 and not r.json["checked_in_at"].startswith("2020")
    future = scan(client, volunteer, code_of(person_id("Attendee 14")), offline=True, scanned_at="2999-01-01T00:00:00Z")
    assert future.status_code == 201 and not future.json["checked_in_at"].startswith("2999")


def test_exports_do_not_carry_formulas(client, organizer):
    client.post("/api/v1/checkin/walkins", json={"name": '=HYPERLINK("http://x")'}, headers=organizer["headers"])
    for url in ("/api/v1/attendance.csv", "/api/v1/badges.csv"):
        text = client.get(url, headers=organizer["headers"]).get_data(as_text=True)
        assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and '"=HYPERLINK' not in text
