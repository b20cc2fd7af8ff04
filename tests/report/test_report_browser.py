"""In Chromium: the report page follows the day; a paper turns presented in person as its slot ends."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
import requests

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

_ids = itertools.count()


def test_the_report_page_updates_when_a_slot_ends(chromium, live_server):
    organizer = live_server.staff("organizer")
    volunteer = live_server.staff("volunteer")
    org = {"Authorization": f"Bearer {organizer['token']}"}

    def timer(action: str) -> dict:
        r = requests.post(f"{live_server.url}/api/v1/rooms/main/timer", headers=org, timeout=10,
                          json={"action": action, "command_id": f"b{next(_ids)}"})  # fmt: skip
        assert r.status_code == 200, r.text
        return r.json()

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(organizer["login_url"])
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/report")
    row = page.locator('tr[data-paper="S8"]')
    # The demo day is over and no timer ran: the plan stands in, and S8's author never came.
    assert row.get_attribute("data-status") == "no_show"
    page.wait_for_function("() => !document.querySelector('[data-live-status]') || "
                           "document.querySelector('[data-live-status]').hidden")  # fmt: skip

    # The chair takes the timer back to S8: from now on the timer leads, and S8 has not run yet.
    assert timer("previous")["slot_id"] == "keynote-5"
    assert timer("previous")["slot_id"] == "talk-S8"
    page.wait_for_selector('tr[data-paper="S8"][data-status="not_yet"]', timeout=10000)
    # Its author arrives at the door, the talk runs; when the chair moves on, the slot has ended.
    program = requests.get(f"{live_server.url}/api/v1/program", timeout=10).json()
    s8 = next(p for p in program["papers"] if p["id"] == "S8")
    badges = requests.get(f"{live_server.url}/api/v1/badges.csv", headers=org, timeout=10).text
    author = str(s8["authors"][0]["person_id"])
    code = next(row["code"] for row in csv.DictReader(io.StringIO(badges)) if row["person_id"] == author)
    r = requests.post(f"{live_server.url}/api/v1/checkins", timeout=10,
                      headers={"Authorization": f"Bearer {volunteer['token']}"},
                      json={"code": code, "nonce": "browser-s8", "device": "Door 1"})  # fmt: skip
    assert r.status_code == 201, r.text
    timer("start")
    assert page.locator('tr[data-paper="S8"]').get_attribute("data-status") == "not_yet"
    timer("next")
    page.wait_for_selector('tr[data-paper="S8"][data-status="presented_in_person"]', timeout=10000)
    assert "presented in person" in page.locator('tr[data-paper="S8"] .status').inner_text()
    assert not errors, errors
    context.close()
