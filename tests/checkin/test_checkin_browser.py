"""In Chromium: the scanner page with a fake camera showing a real badge checks a person in while a second page
with the board turns that paper covered; and offline: scans queue while the server is unreachable, then land once."""

import csv
import io
import time

import pytest
import requests

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def badge_row(server, token: str, name: str) -> dict:
    r = requests.get(f"{server.url}/api/v1/badges.csv", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return next(row for row in csv.DictReader(io.StringIO(r.text)) if row["name"] == name)


def sign_in(page, login_url: str, device: str) -> None:
    page.goto(login_url)
    page.fill("#device", device)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff")


def test_scanner_with_a_camera_checks_in_and_the_board_turns_covered(live_server, chromium, camera_browser):
    organizer = live_server.staff("organizer")
    volunteer = live_server.staff("volunteer")
    badge = badge_row(live_server, organizer["token"], "Xiaoying Tang")  # presenter of L4

    board_ctx = chromium.new_context()
    board = board_ctx.new_page()
    sign_in(board, organizer["login_url"], "Desk laptop")
    board.goto(f"{live_server.url}/checkin/board")
    board.wait_for_selector('tr[data-paper="L4"]')
    assert board.get_attribute('tr[data-paper="L4"]', "data-status") != "covered"
    assert board.get_attribute('tr[data-paper="L1"]', "data-status") == "covered"  # the demo morning

    scanner_browser = camera_browser(badge["code"])
    ctx = scanner_browser.new_context(permissions=["camera"], viewport={"width": 360, "height": 740})
    page = ctx.new_page()
    sign_in(page, volunteer["login_url"], "Door 2")
    page.goto(f"{live_server.url}/checkin/scan")
    page.wait_for_selector('[data-result="ok"]', timeout=20000)
    assert "Xiaoying Tang" in page.text_content("[data-result-head]")
    assert "Presents SnapSeg (L4) at 11:40" in page.text_content("[data-result-detail]")
    assert page.get_attribute("#scanner", "data-decoder") in ("jsqr-worker", "native")
    board.wait_for_selector('tr[data-paper="L4"][data-status="covered"]', timeout=5000)
    assert "Xiaoying Tang" in board.text_content('tr[data-paper="L4"]')
    # The camera keeps seeing the badge: the result clears by itself and repeats show yellow, never a second check-in.
    page.wait_for_selector('[data-result="already"]', timeout=15000)
    auth = {"Authorization": f"Bearer {organizer['token']}"}
    log = requests.get(f"{live_server.url}/api/v1/checkin/log", headers=auth, timeout=10).json()["scans"]
    mine = [x for x in log if x["name"] == "Xiaoying Tang"]
    assert [x["result"] for x in mine].count("ok") == 1
    ctx.close()
    board_ctx.close()


def test_offline_scans_queue_and_land_once(live_server, camera_browser):
    organizer = live_server.staff("organizer")
    volunteer = live_server.staff("volunteer")
    badge = badge_row(live_server, organizer["token"], "Attendee 12")
    browser = camera_browser(badge["code"])
    ctx = browser.new_context(permissions=["camera"])
    page = ctx.new_page()
    sign_in(page, volunteer["login_url"], "Door 3")
    # The server becomes unreachable for scans (the roster still loads once, as it would have before the outage).
    page.route("**/api/v1/checkins", lambda route: route.abort("internetdisconnected"))
    page.route("**/healthz", lambda route: route.abort("internetdisconnected"))
    page.goto(f"{live_server.url}/checkin/scan")
    page.wait_for_selector("#scanner[data-roster]", timeout=10000)
    page.wait_for_selector('[data-net][data-state="offline"]', timeout=20000)
    page.wait_for_function("document.querySelector('[data-net]').textContent.match(/offline · [1-9]/)", timeout=20000)
    headers = {"Authorization": f"Bearer {organizer['token']}"}

    def attendee_scans():
        log = requests.get(f"{live_server.url}/api/v1/checkin/log", headers=headers, timeout=10).json()["scans"]
        return [x for x in log if x["name"] == "Attendee 12"]

    assert attendee_scans() == []  # nothing reached the server
    page.unroute("**/api/v1/checkins")
    page.unroute("**/healthz")
    page.wait_for_selector('[data-net][data-state="online"]', timeout=20000)
    deadline = time.monotonic() + 10
    while not attendee_scans() and time.monotonic() < deadline:
        time.sleep(0.2)
    scans = attendee_scans()
    assert [x["result"] for x in scans].count("ok") == 1
    assert all(x["offline"] for x in scans if x["result"] == "ok")
    coverage = requests.get(f"{live_server.url}/api/v1/attendance.csv", headers=headers, timeout=10).text
    rows = [r for r in csv.DictReader(io.StringIO(coverage)) if r["name"] == "Attendee 12"]
    assert [r["checked_in"] for r in rows] == ["yes"] and rows[0]["offline"] == "yes"
    # The phone loses the network and the volunteer reloads: the scanner still opens (service worker cache).
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the worker, which caches the page
    page.wait_for_selector("#scanner")
    ctx.set_offline(True)
    page.reload()
    page.wait_for_selector('#scanner [data-net][data-state="offline"]', timeout=10000)
    ctx.close()


def test_scans_answered_database_unavailable_queue_and_land_once(live_server, camera_browser):
    """Issue #13: the server answers 503 database_unavailable (a database restart, a full disk) and /healthz says so:
    the scanner keeps the scan, waits, and sends it by itself once the server can write again."""
    import json

    organizer = live_server.staff("organizer")
    volunteer = live_server.staff("volunteer")
    badge = badge_row(live_server, organizer["token"], "Attendee 13")
    browser = camera_browser(badge["code"])
    ctx = browser.new_context(permissions=["camera"], bypass_csp=True)  # wait_for_function evaluates a string
    page = ctx.new_page()
    sign_in(page, volunteer["login_url"], "Door 4")
    unavailable = json.dumps({"error": "database_unavailable", "message": "The database cannot take this right now."})

    def answer_503(route):
        route.fulfill(status=503, body=unavailable, content_type="application/json", headers={"Retry-After": "3"})

    page.route("**/api/v1/checkins", answer_503)
    page.route("**/healthz", answer_503)
    page.goto(f"{live_server.url}/checkin/scan")
    page.wait_for_selector("#scanner[data-roster]", timeout=10000)
    page.wait_for_function("document.querySelector('[data-net]').textContent.match(/offline · [1-9]/)", timeout=20000)
    headers = {"Authorization": f"Bearer {organizer['token']}"}

    def attendee_scans():
        log = requests.get(f"{live_server.url}/api/v1/checkin/log", headers=headers, timeout=10).json()["scans"]
        return [x for x in log if x["name"] == "Attendee 13"]

    assert attendee_scans() == []
    page.unroute("**/api/v1/checkins")
    page.unroute("**/healthz")
    page.wait_for_selector('[data-net][data-state="online"]', timeout=20000)
    deadline = time.monotonic() + 10
    while not attendee_scans() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [x["result"] for x in attendee_scans()].count("ok") == 1
    ctx.close()
