"""In Chromium: the report page follows the day; a paper turns presented in person as its slot ends."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

_ids = itertools.count()


@pytest.fixture
def day_server(tmp_path):
    """The demo on tomorrow's date (in the event's zone): the day has not begun, so it is the chair's timer, not
    the calendar, that ends each slot."""
    from tests_support import LiveServer

    tomorrow = datetime.now(ZoneInfo("Asia/Seoul")).date() + timedelta(days=1)
    server = LiveServer(tmp_path)
    server.run_cli("demo", "--no-serve", "--date", tomorrow.isoformat(), "--port", str(server.port))
    server.start()
    yield server
    server.stop()


def test_the_report_page_updates_when_a_slot_ends(chromium, day_server):
    url = day_server.url
    organizer = day_server.staff("organizer")
    volunteer = day_server.staff("volunteer")
    org = {"Authorization": f"Bearer {organizer['token']}"}

    def timer(action: str) -> dict:
        r = requests.post(
            f"{url}/api/v1/rooms/main/timer",
            headers=org,
            timeout=10,
            json={"action": action, "command_id": f"b{next(_ids)}"},
        )
        assert r.status_code == 200, r.text
        return r.json()

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(organizer["login_url"])
    page.get_by_role("button", name="Sign in").click()
    page.goto(url + "/report")
    page.locator("[data-live-status]").wait_for(state="hidden", timeout=10000)
    assert "Live: provisional" in page.locator("[data-report-state]").inner_text()

    # The chair runs the day early: the timer goes to the fourth long talk and starts it; its first author (not
    # among the demo's check-ins) arrives at the door meanwhile.
    while timer("next")["slot_id"] != "talk-L4":
        pass
    timer("start")
    program = requests.get(f"{url}/api/v1/program", timeout=10).json()
    paper = next(p for p in program["papers"] if p["id"] == "L4")
    badges = requests.get(f"{url}/api/v1/badges.csv", headers=org, timeout=10).text
    author = str(paper["authors"][0]["person_id"])
    code = next(row["code"] for row in csv.DictReader(io.StringIO(badges)) if row["person_id"] == author)
    r = requests.post(
        f"{url}/api/v1/checkins",
        timeout=10,
        headers={"Authorization": f"Bearer {volunteer['token']}"},
        json={"code": code, "nonce": "browser-report", "device": "Door 1"},
    )
    assert r.status_code == 201, r.text
    row = f'tr[data-paper="{paper["id"]}"]'
    # While the talk runs it is not yet presented (the page has heard the start and the check-in by now).
    page.wait_for_function(
        f"() => document.querySelector('{row} [data-note]').textContent.includes('under way')", timeout=10000
    )
    assert page.locator(row).get_attribute("data-status") == "not_yet"
    # The chair moves on: the slot has ended, with an author here, and the page says so without a reload.
    timer("next")
    page.wait_for_selector(f'{row}[data-status="presented_in_person"]', timeout=10000)
    assert "presented in person" in page.locator(f"{row} .status").inner_text()
    # The organizer corrects a status on the page, with a reason; the row shows it, and who set it.
    other = 'tr[data-paper="S8"]'
    page.locator(f"{other} summary").click()
    page.locator(f"{other} select[name=status]").select_option("excused")
    page.locator(f"{other} input[name=reason]").fill("Presented in the poster session instead.")
    page.locator(f"{other} button[type=submit]").click()
    page.wait_for_selector(f'{other}[data-status="excused"]', timeout=10000)
    assert "poster session" in page.locator(other).inner_text()
    assert not errors, errors
    context.close()
