"""GET /api/v1/report, the override and the certificate on the demo day, driven by timer commands and check-ins."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from report_helpers import author, papers_of, run_morning
from sqlmodel import select

from eventapp.db import session_scope
from eventapp.report.models import ReportLog

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")


def test_the_report_follows_the_timer_and_the_door(day, client, make_staff):
    org = make_staff("organizer", "Olga Organizer")
    before = client.get("/api/v1/report", headers=org["headers"]).get_json()
    # No timer yet: the plan stands in, and says so.
    assert all("No timer record" in p["note"] for p in before["papers"] if p["slot_id"])
    assert all(p["actual_start"] is None and not p["timer_record"] for p in before["papers"])
    assert all(t["actual_start"] is None and t["drift_seconds"] is None for t in before["talks"])
    run_morning(day)
    report = client.get("/api/v1/report", headers=org["headers"]).get_json()
    assert {"event", "generated_at", "papers", "talks", "attendance", "questions"} <= set(report)
    papers = papers_of(report)
    assert papers["L1"]["status"] == "presented_in_person"
    l1 = papers["L1"]
    assert {
        "paper_id",
        "title",
        "status",
        "authors_present",
        "slot_id",
        "planned_start",
        "actual_start",
        "actual_end",
        "chair",
        "questions",
        "note",
    } <= set(l1)
    assert ISO.match(l1["planned_start"]) and ISO.match(l1["actual_start"]) and ISO.match(l1["actual_end"])
    assert ISO.match(report["generated_at"])
    assert l1["timer_record"] and l1["timer_run_by"] == ["Cho Chair"] and l1["chair"]
    assert l1["questions"] == {"asked": 2, "answered": 0}
    present = l1["authors_present"][0]
    assert {"person_id", "name", "checked_in_at"} <= set(present) and present["before_slot_end"]
    assert papers["L2"]["status"] == "no_show" and "passed over" in papers["L2"]["note"]
    assert papers["L2"]["authors_present"] and "An author had checked in." in papers["L2"]["note"]
    assert papers["L3"]["status"] == "presented_in_person"
    assert papers["L4"]["status"] == "no_show" and "after the slot ended" in papers["L4"]["note"]
    assert papers["L4"]["authors_present"][0]["device"] == "Door 2"
    assert papers["L4"]["authors_present"][0]["volunteer"] == "Vic Volunteer"
    # The afternoon has not run: not yet, whatever the calendar says; the approved remote talk is excused so far.
    assert {papers[p]["status"] for p in ("L5", "S1", "S8")} == {"not_yet"}
    assert papers["S6"]["status"] == "excused" and papers["S6"]["excuse"]["reason"]
    # Keynotes are talks, not papers.
    talks = {t["slot_id"]: t for t in report["talks"]}
    assert "keynote-1" in talks and "keynote-1" not in papers and "break-am" not in talks
    assert talks["talk-L1"]["actual_seconds"] is not None and talks["talk-L1"]["overrun_seconds"] is not None
    assert talks["keynote-1"]["phase"] == "passed" and talks["keynote-1"]["actual_start"] is None
    # The test ran the morning years after its plan: every talk that ran started that late.
    assert report["drift"]["talks_timed"] == 3 and report["drift"]["last_slot_id"] == "talk-L4"
    assert report["drift"]["max_seconds"] == max(t["drift_seconds"] or 0 for t in report["talks"]) > 0
    assert report["attendance"]["checked_in"] >= 13 and report["attendance"]["by_quarter_hour"]
    assert report["questions"]["asked"] == 6 and report["questions"]["votes"] > 0
    with session_scope() as s:
        assert s.exec(select(ReportLog).where(ReportLog.action == "report")).all()


def test_a_chair_sees_their_rooms_and_others_are_refused(day, client, make_staff):
    assert client.get("/api/v1/report").status_code == 401
    assert client.get("/api/v1/report", headers=day.volunteer["headers"]).status_code == 403
    mine = client.get("/api/v1/report", headers=day.chair["headers"]).get_json()
    assert len(mine["papers"]) == 13
    other = make_staff("chair", "Elsewhere", room_ids=["no-such-room"])
    assert client.get("/api/v1/report", headers=other["headers"]).get_json()["papers"] == []
    assert (
        client.put(
            "/api/v1/report/papers/L2", headers=day.chair["headers"], json={"status": "excused", "reason": "x"}
        ).status_code
        == 403
    )


def test_an_organizer_overrides_a_status_with_a_reason_and_it_is_logged(day, client, make_staff):
    org = make_staff("organizer", "Olga Organizer")
    run_morning(day)
    url = "/api/v1/report/papers/L2"
    for body, code in [
        (None, "invalid_body"),
        ({"status": "done", "reason": "x"}, "invalid_status"),
        ({"status": "presented_in_person"}, "invalid_reason"),
        ({"status": "presented_in_person", "reason": " "}, "invalid_reason"),
    ]:
        r = client.put(url, headers=org["headers"], json=body)
        assert r.status_code == 400 and r.get_json()["error"] == code
    assert (
        client.put(
            "/api/v1/report/papers/NOPE", headers=org["headers"], json={"status": "excused", "reason": "x"}
        ).status_code
        == 404
    )
    r = client.put(
        url,
        headers=org["headers"],
        json={"status": "presented_in_person", "reason": "Given in the afternoon session after S4."},
    )
    assert r.status_code == 200
    entry = r.get_json()
    assert entry["status"] == "presented_in_person" and entry["derived_status"] == "no_show"
    assert entry["override"]["by"] == "Olga Organizer" and "afternoon" in entry["note"]
    report = client.get("/api/v1/report", headers=org["headers"]).get_json()
    assert papers_of(report)["L2"]["status"] == "presented_in_person"
    cleared = client.put(url, headers=org["headers"], json={"status": None, "reason": "My mistake."}).get_json()
    assert cleared["status"] == "no_show" and cleared["override"] is None
    with session_scope() as s:
        logged = s.exec(select(ReportLog).where(ReportLog.action == "override")).all()
    assert [x.detail for x in logged] == ["Given in the afternoon session after S4.", "My mistake."]
    assert all(x.by_name == "Olga Organizer" for x in logged)


def test_an_organizer_downloads_one_persons_certificate(day, client, make_staff):
    org = make_staff("organizer", "Olga Organizer")
    run_morning(day)
    l1 = papers_of(client.get("/api/v1/report", headers=org["headers"]).get_json())["L1"]
    presenter = l1["authors_present"][0]["person_id"]
    url = f"/api/v1/people/{presenter}/certificate.pdf"
    r = client.get(url + "?kind=presentation", headers=org["headers"])
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    assert "Certificate of Presentation" in text and l1["authors_present"][0]["name"] in text
    both = PdfReader(io.BytesIO(client.get(url, headers=org["headers"]).data))
    assert len(both.pages) >= 2  # attendance and at least one presentation
    assert client.get(url + "?kind=poster", headers=org["headers"]).get_json()["error"] == "invalid_kind"
    assert client.get(url, headers=day.chair["headers"]).status_code == 403
    assert client.get("/api/v1/people/99999/certificate.pdf", headers=org["headers"]).status_code == 404
    nobody = author("S8")  # never checked in, paper not presented
    r = client.get(f"/api/v1/people/{nobody}/certificate.pdf", headers=org["headers"])
    assert r.status_code == 404 and r.get_json()["error"] == "no_certificate"


def test_the_report_page_is_for_staff_and_prints_the_same_record(day, client, make_staff):
    org = make_staff("organizer", "Olga Organizer")
    run_morning(day)
    assert client.get("/report").status_code == 302  # to the sign-in help
    page = client.get("/report", headers=org["headers"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    report = client.get("/api/v1/report", headers=org["headers"]).get_json()
    for p in report["papers"]:
        assert f'data-paper="{p["paper_id"]}" data-status="{p["status"]}"' in html
    assert html.count("<svg") == 3 and "js/report.js" in html and "data-print" in html
    assert html.count("data-override=") == len(report["papers"])  # an organizer may correct each status
    fragment = client.get("/report/fragment", headers=day.chair["headers"]).get_data(as_text=True)
    assert "data-report-body" in fragment and "<html" not in fragment and "data-override=" not in fragment
    assert client.get("/report", headers=day.volunteer["headers"]).status_code == 403
    with session_scope() as s:  # the page's own refreshes are not logged as reports, the page load is
        subjects = [x.subject for x in s.exec(select(ReportLog).where(ReportLog.action == "report"))]
    assert subjects.count("page") == 1


def test_a_talk_moved_on_from_then_brought_back_by_undo_keeps_its_first_start(early_day, client, make_staff):
    day = early_day
    org = make_staff("organizer", "Olga Organizer")
    day.check_in(author("L4"))
    day.go_to("talk-L4")
    day.timer("start")
    first = next(
        x
        for x in client.get("/api/v1/rooms/main/timer/log").get_json()["segments"]
        if x["slot_id"] == "talk-L4" and x["segment"] == "talk"
    )
    day.timer("next")
    left = papers_of(client.get("/api/v1/report", headers=org["headers"]).get_json())["L4"]
    assert left["status"] == "presented_in_person" and left["actual_start"] == first["started_at"]
    day.timer("undo")  # the chair pressed next too early: L4 runs again
    back = papers_of(client.get("/api/v1/report", headers=org["headers"]).get_json())["L4"]
    assert back["status"] == "not_yet" and back["note"] == "The talk is under way."
    assert back["actual_start"] == first["started_at"] and back["actual_end"] is None
    day.timer("next")
    done = papers_of(client.get("/api/v1/report", headers=org["headers"]).get_json())["L4"]
    assert done["status"] == "presented_in_person" and done["actual_start"] == first["started_at"]
    assert done["actual_end"] >= left["actual_end"]


def test_a_withdrawn_paper_leaves_the_record(day, client, make_staff, monkeypatch):
    from eventapp.report import build

    org = make_staff("organizer", "Olga Organizer")
    monkeypatch.setattr(build, "_withdrawn", lambda s: [("S8", "RF-Lung-DR", None)])  # as an import marks it
    report = client.get("/api/v1/report", headers=org["headers"]).get_json()
    assert "S8" not in papers_of(report) and len(report["papers"]) == 12
    assert report["withdrawn"] == [{"paper_id": "S8", "title": "RF-Lung-DR", "withdrawn_at": None}]
    page = client.get("/report", headers=org["headers"]).get_data(as_text=True)
    assert "Withdrawn (not in the record): S8" in page and 'data-paper="S8"' not in page
    r = client.put("/api/v1/report/papers/S8", headers=org["headers"], json={"status": "excused", "reason": "x"})
    assert r.status_code == 200 and "withdrawn" in r.get_json()["note"]
