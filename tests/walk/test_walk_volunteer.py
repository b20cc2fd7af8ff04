"""The volunteer's walk on a phone in Chromium with a fake camera: pair, scan, repeat, forged, manual search; and a
scanner opened as the network drops (the decoder cannot load yet), which says so, recovers, scans offline and,
once the network is back, says that the offline scans were sent."""

from __future__ import annotations

import re

import pytest
import requests

from tests.checkin.test_checkin_browser import badge_row, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
HHMM = re.compile(r"^\d\d:\d\d · ")


@pytest.fixture
def camera_phone(camera_browser):
    """A phone (a Chromium of its own) whose camera shows a badge with the given text."""

    def launch(text: str):
        return camera_browser(text).new_context(permissions=["camera"], **PHONE)

    return launch


def scans_of(server, token: str, name: str) -> list[dict]:
    log = requests.get(f"{server.url}/api/v1/checkin/log", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return [x for x in log.json()["scans"] if x["name"] == name]


def test_volunteer_pairs_scans_repeats_forged_and_searches(live_server, camera_phone):
    organizer = live_server.staff("organizer")
    volunteer = live_server.staff("volunteer")
    badge = badge_row(live_server, organizer["token"], "Attendee 13")
    ctx = camera_phone(badge["code"])
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, volunteer["login_url"], "Door 4")  # pair the phone with its sign-in link
    page.goto(f"{live_server.url}/checkin/scan")
    page.wait_for_selector('[data-result="ok"]', timeout=20000)
    assert "Attendee 13" in page.text_content("[data-result-head]")
    # The camera keeps seeing the badge: a repeat shows yellow, never a second check-in.
    page.wait_for_selector('[data-result="already"]', timeout=15000)
    assert [x["result"] for x in scans_of(live_server, organizer["token"], "Attendee 13")].count("ok") == 1
    # Every line of the recent list is on one 24-hour clock (the event's zone).
    lines = page.locator("[data-recent] li").all_inner_texts()
    assert lines and all(HHMM.match(x) for x in lines), lines
    # A forged code from a USB scanner: refused, with a reason.
    page.get_by_role("button", name="USB/Bluetooth scanner").click()
    page.fill("[data-wedge-input]", badge["code"][:-2] + ("AA" if not badge["code"].endswith("AA") else "BB"))
    page.press("[data-wedge-input]", "Enter")
    page.wait_for_selector('[data-result="refused"]', timeout=15000)
    # The checked-in badge still in the camera's view does not take the box from it before it is read.
    page.wait_for_timeout(1500)
    assert page.get_attribute("[data-result]", "data-result") == "refused"
    # Manual search: the result stands beside the search, in view, until the next action.
    page.fill("[data-search]", "Attendee 14")
    page.get_by_role("button", name="Check in").first.click()
    manual = page.locator("[data-manual-result]")
    manual.wait_for(state="visible", timeout=15000)
    assert "Attendee 14" in manual.inner_text() and manual.get_attribute("data-result") == "ok"
    page.wait_for_timeout(3000)  # the big box has cleared by now; this one has not
    assert manual.is_visible() and "Attendee 14" in manual.inner_text()
    box = manual.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 740  # in view
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not errors, errors
    ctx.close()


def test_a_scanner_opened_as_the_network_drops_says_so_recovers_and_reports_the_sync(live_server, camera_phone):
    organizer = live_server.staff("organizer")
    volunteer = live_server.staff("volunteer")
    badge = badge_row(live_server, organizer["token"], "Attendee 16")
    ctx = camera_phone(badge["code"])
    page = ctx.new_page()
    sign_in(page, volunteer["login_url"], "Door 5")
    # The network drops as the scanner opens for the first time: the page and the roster came, the decoder did not,
    # and no scan reaches the server (service-worker requests are blocked too: routes are the context's).
    down = ["**/checkin-decoder.js", "**/jsqr/jsQR.js", "**/api/v1/checkins", "**/healthz"]

    def drop(route):
        route.abort("internetdisconnected")

    for pattern in down:
        ctx.route(pattern, drop)
    page.goto(f"{live_server.url}/checkin/scan")
    page.wait_for_selector("#scanner[data-roster]", timeout=10000)
    # Not silent: the big box says the camera cannot read badges yet.
    page.wait_for_selector('[data-result="problem"]', timeout=15000)
    assert "decoder" in page.text_content("[data-result-head]").lower()
    # The decoder comes back (the network returns for a moment): the camera reads the badge, offline.
    for pattern in down[:2]:
        ctx.unroute(pattern, drop)
    page.wait_for_selector("#scanner[data-decoder-state='ready']", timeout=15000)
    page.wait_for_function(
        "() => document.querySelector('[data-net]').textContent.match(/offline · [1-9]/)", timeout=20000
    )
    assert scans_of(live_server, organizer["token"], "Attendee 16") == []
    assert "offline · will sync" in page.locator("[data-recent] li").first.inner_text()
    # Back online: the pill, the big box and the list all say the scans were sent.
    for pattern in down[2:]:
        ctx.unroute(pattern, drop)
    page.wait_for_selector('[data-net][data-state="online"]', timeout=20000)
    # The big box says it (until the next scan takes it) and so does the list, which keeps it.
    page.wait_for_selector("[data-recent] li[data-kind='sync']", timeout=15000)
    assert re.search(
        r"\b1 offline scan sent · 1 checked in", page.locator("[data-recent] li[data-kind='sync']").inner_text()
    )
    assert "Offline" not in page.text_content("[data-result-head]")
    lines = page.locator("[data-recent] li").all_inner_texts()
    assert not [x for x in lines if "will sync" in x] and [x for x in lines if x.endswith(" · sent")], lines
    assert [x["result"] for x in scans_of(live_server, organizer["token"], "Attendee 16")].count("ok") == 1
    # And now the decoder is on the phone: an offline reload still reads badges.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10000)
    cached = """async () => {
        const cache = await caches.open("checkin-scanner-v2");
        const urls = ["/checkin/scan", "/static/js/checkin-decoder.js", "/static/vendor/jsqr/jsQR.js"];
        return (await Promise.all(urls.map((u) => cache.match(u)))).every(Boolean);
    }"""
    page.wait_for_function(cached, timeout=10000)
    ctx.set_offline(True)
    page.reload()
    page.wait_for_selector("#scanner[data-decoder-state='ready']", timeout=15000)
    page.wait_for_selector('[data-result="already"]', timeout=15000)  # read by the camera, checked on the roster
    assert "offline · will sync" in page.text_content("[data-result-detail]")
    ctx.close()
