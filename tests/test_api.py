"""The public HTTP contract of the foundation: landing, health, program, me, and JSON errors."""

from __future__ import annotations

import re

import pytest

from eventapp import auth


def test_landing_names_the_event_and_says_the_data_is_synthetic(demo_app, client):
    page = client.get("/").get_data(as_text=True)
    assert "The Second International Workshop on Trustworthy Artificial Intelligence for Healthcare" in page
    assert "Demo." in page and "made up" in page


def test_landing_without_an_event_says_how_to_load_one(app, client):
    page = client.get("/").get_data(as_text=True)
    assert "No event is loaded yet" in page


def test_healthz_reports_the_database(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["database"] == "ok"


def test_program_matches_the_contract(demo_app, client):
    body = client.get("/api/v1/program").get_json()
    assert body["event"]["name"].startswith("The Second International Workshop")
    assert body["event"]["date"] == "2024-08-04"
    assert body["event"]["timezone"] == "Asia/Seoul"
    assert [r["id"] for r in body["rooms"]] == ["main"]
    assert {"id", "name"} <= set(body["rooms"][0])
    slots = [slot for session in body["sessions"] for slot in session["slots"]]
    for session in body["sessions"]:
        assert {"id", "room_id", "title", "slots"} <= set(session)
    for slot in slots:
        assert {"id", "kind", "title", "starts_at", "ends_at", "paper_id", "talk_seconds", "qa_seconds"} <= set(slot)
        assert slot["starts_at"].endswith("+09:00") and slot["ends_at"].endswith("+09:00")
        assert re.fullmatch(r"[a-z]+", slot["kind"])
    kinds = {slot["kind"] for slot in slots}
    assert {"keynote", "paper", "break"} <= kinds
    assert sum(slot["kind"] == "keynote" for slot in slots) == 5
    assert sorted(slot["paper_id"] for slot in slots if slot["paper_id"]) == sorted(p["id"] for p in body["papers"])
    assert len(body["papers"]) == 13
    for paper in body["papers"]:
        assert {"id", "title", "format", "authors"} <= set(paper)
        assert all({"person_id", "name"} <= set(a) for a in paper["authors"])


def test_demo_day_has_real_facts_and_synthetic_times(demo_app, client):
    body = client.get("/api/v1/program").get_json()
    papers = {p["id"]: p for p in body["papers"]}
    assert papers["L4"]["title"].startswith("SnapSeg")
    assert [a["name"] for a in papers["L1"]["authors"]] == ["Sicen Liu", "Hao Chen"]
    assert papers["S1"]["format"] == "short oral"
    slots = {slot["id"]: slot for session in body["sessions"] for slot in session["slots"]}
    assert (slots["talk-L1"]["talk_seconds"], slots["talk-L1"]["qa_seconds"]) == (900, 300)
    assert (slots["talk-S1"]["talk_seconds"], slots["talk-S1"]["qa_seconds"]) == (480, 120)
    assert slots["talk-S6"]["mode"] == "remote"
    assert slots["keynote-3"]["fixed_start"] is True
    assert "Yancheng Yuan" in body["notes"][0]["text"]
    assert body["event"]["synthetic"] is True


def test_program_without_an_event_is_a_json_404(app, client):
    response = client.get("/api/v1/program")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/nothing-here", 404, "not_found"),
        ("POST", "/api/v1/program", 405, "method_not_allowed"),
        ("DELETE", "/healthz", 405, "method_not_allowed"),
    ],
)
def test_api_errors_are_json(demo_app, client, method, path, status, code):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.is_json
    assert response.get_json()["error"] == code
    assert response.get_json()["message"]


def test_pages_errors_are_pages(demo_app, client):
    response = client.get("/rooms/nowhere/stage")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "There is no room with id &#39;nowhere&#39;" in response.get_data(as_text=True)


def test_me_needs_credentials(demo_app, client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthenticated"


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer " + "x" * 500, "Bearer "])
def test_me_with_a_bad_token_is_401(demo_app, client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.is_json


@pytest.mark.parametrize("role", ["organizer", "chair", "moderator", "volunteer"])
def test_me_names_the_staff_member(demo_app, client, make_staff, role):
    staff = make_staff(role, name=f"Ms {role}")
    body = client.get("/api/v1/me", headers=staff["headers"]).get_json()
    assert body["name"] == f"Ms {role}"
    assert body["role"] == role


def test_a_revoked_token_stops_working(demo_app, client, make_staff):
    staff = make_staff("volunteer")
    auth.revoke_staff(staff["id"])
    response = client.get("/api/v1/me", headers=staff["headers"])
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_the_wrong_role_is_403(demo_app, client, make_staff):
    volunteer = make_staff("volunteer")
    # An organizer-only page, reached with a volunteer's token, is refused, not redirected.
    response = client.get("/staff/accounts", headers=volunteer["headers"])
    assert response.status_code == 403


def test_security_headers_and_no_inline_script(demo_app, client):
    for path in ("/", "/program", "/rooms/main", "/rooms/main/stage", "/signin"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        html = response.get_data(as_text=True)
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, f"inline script on {path}: {tag}"
        assert "style=" not in html


def test_program_page_shows_the_day_in_the_event_zone(demo_app, client):
    html = client.get("/program").get_data(as_text=True)
    assert "Asia/Seoul" in html
    assert '<time datetime="2024-08-04T08:50:00+09:00">08:50</time>' in html
    assert "SnapSeg" in html
    assert "Program change" in html


def test_user_text_is_escaped_in_pages(app, client, tmp_path):
    from eventapp import db
    from eventapp.program import importing as importers
    from eventapp.program import service

    program = tmp_path / "program.json"
    program.write_text(
        '{"event": {"name": "<script>alert(1)</script>", "date": "2024-08-04", "timezone": "Asia/Seoul"},'
        ' "rooms": [{"id": "r", "name": "<b>Room</b>"}],'
        ' "sessions": [{"id": "s", "room_id": "r", "title": "T", "slots": ['
        '  {"id": "x", "kind": "other", "title": "<img src=x onerror=alert(1)>", "start": "09:00", "talk_minutes": 5}]}]}'
    )
    with db.session_scope() as s:
        service.apply_program(s, importers.parse_program_json(program))
    for path in ("/", "/program", "/rooms/r", "/rooms/r/stage"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>Room" not in html


def test_a_client_stuck_on_a_bad_token_is_slowed_down(demo_app, client):
    statuses = [client.get("/api/v1/me", headers={"Authorization": "Bearer dead"}).status_code for _ in range(31)]
    assert statuses[:30] == [401] * 30
    last = client.get("/api/v1/me", headers={"Authorization": "Bearer dead"})
    assert last.status_code == 429
    assert int(last.headers["Retry-After"]) >= 1
    assert last.get_json()["error"] == "rate_limited"


def test_read_scope_reads_without_the_write_lock_and_refuses_writes(demo_app):
    import sqlite3

    from sqlalchemy import text

    from eventapp import db

    with db.read_scope() as s:
        assert s.execute(text("SELECT count(*) FROM paper")).scalar() == 13
        # Another connection can still write while this read transaction is open (no BEGIN IMMEDIATE here).
        other = sqlite3.connect(demo_app.config["DATABASE_URL"].removeprefix("sqlite:///"), timeout=0.1)
        other.execute("UPDATE paper SET title = title WHERE id = 'L1'")
        other.commit()
        other.close()
    with db.read_scope() as s:
        s.execute(text("UPDATE paper SET title = 'changed' WHERE id = 'L1'"))
    with db.read_scope() as s:
        assert s.execute(text("SELECT title FROM paper WHERE id = 'L1'")).scalar() != "changed"
