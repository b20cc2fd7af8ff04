"""In Chromium against a real server: the chair console names the authors who are here, taken from the staff
`coverage` channel (the public timer only says whether), and a check-in at the door shows up on it (issue #12)."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import requests

pytestmark = pytest.mark.browser


def _post(server, token: str, path: str, body: dict) -> requests.Response:
    return requests.post(f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_the_chair_console_names_present_authors_from_the_coverage_channel(live_server, chromium):
    chair = live_server.staff("chair", "--room", "main")
    organizer = live_server.staff("organizer")
    volunteer = live_server.staff("volunteer")
    for _ in range(2):  # the demo day is past: the timer starts on the last slot; two back is paper S8
        r = _post(
            live_server,
            chair["token"],
            "/api/v1/rooms/main/timer",
            {"action": "previous", "command_id": uuid.uuid4().hex},
        )
        assert r.status_code == 200, r.text
    state = r.json()
    paper_id = state["slot"]["paper_id"]
    assert paper_id and state["slot"]["presenter_present"] in (True, False)
    program = requests.get(f"{live_server.url}/api/v1/program", timeout=10).json()
    authors = next(p["authors"] for p in program["papers"] if p["id"] == paper_id)
    ctx = chromium.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        page.goto(chair["login_url"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/staff")
        page.goto(f"{live_server.url}/rooms/main/chair")
        presence = page.locator("[data-presence]")
        page.wait_for_function("!document.querySelector('[data-presence]').hidden")
        before = presence.inner_text()
        assert before.startswith("author present:") or before.startswith("no author checked in")
        # Check in an author who is not named yet; the console follows the coverage push.
        badges = requests.get(
            f"{live_server.url}/api/v1/badges.csv",
            headers={"Authorization": f"Bearer {organizer['token']}"},
            timeout=10,
        ).text
        codes = {int(row["person_id"]): row["code"] for row in csv.DictReader(io.StringIO(badges))}
        author = next((a for a in authors if a["name"] not in before), None)
        if author is not None:
            r = _post(
                live_server,
                volunteer["token"],
                "/api/v1/checkins",
                {"code": codes[author["person_id"]], "nonce": uuid.uuid4().hex},
            )
            assert r.status_code in (200, 201), r.text
            page.wait_for_function(
                f"document.querySelector('[data-presence]').textContent.includes({author['name']!r})", timeout=5000
            )
        assert presence.inner_text().startswith("author present:")
    finally:
        ctx.close()
