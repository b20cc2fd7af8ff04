"""In Chromium: the program on a 360 px phone, live over the socket; a staff phone signs in with its link."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def live_server(module_live_server):
    return module_live_server


def test_program_on_a_phone(chromium, live_server):
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server.url + "/program")
    page.get_by_role("heading", name="Program", exact=True).wait_for()
    assert "Asia/Seoul" in page.locator(".lead").inner_text()
    assert page.locator("[data-slot-id]").count() == 23
    # The socket connects (the offline mark stays hidden) and the script fills now/next from the server clock:
    # the demo day is 2024-08-04, long past, so nothing is on and nothing comes next.
    page.wait_for_function("() => document.querySelector('[data-next]').textContent === 'Nothing more today.'")
    assert page.locator("[data-live-status]").is_hidden()
    # Every slot of a past day is marked past.
    assert page.locator(".slot.is-past").count() == 23
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not errors, errors
    context.close()


def test_stage_screen_follows_the_day(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(live_server.url + "/rooms/main/stage")
    # The demo day is over: the untouched timer rests on the day's last slot, by the plan.
    page.wait_for_function("() => document.querySelector('[data-title]').textContent.includes('Closing')")
    # The venue clock shows HH:MM in the event's zone; everything fits one 16:9 screen.
    page.wait_for_function("() => /^\\d\\d:\\d\\d$/.test(document.querySelector('[data-clock]').textContent)")
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    context.close()


def test_a_staff_phone_signs_in_with_its_link(chromium, live_server):
    staff = live_server.staff("volunteer")
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    page.goto(staff["login_url"])
    page.get_by_label("Name this device (optional)").fill("Door 2")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Hello, Live volunteer").wait_for()
    assert "Door 2" in page.content()
    # The same link on another phone no longer works.
    other = chromium.new_context(**PHONE).new_page()
    other.goto(staff["login_url"])
    assert "already been used" in other.content()
    other.context.close()
    context.close()


def test_keyboard_users_can_skip_to_the_content(chromium, live_server):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    context.close()


def test_a_page_shows_offline_and_resubscribes_after_the_server_returns(chromium, tmp_path):
    """A restart in the middle of the day: the page marks itself offline, then reconnects and refreshes."""
    from tests_support import LiveServer

    server = LiveServer(tmp_path)
    server.load_demo()
    server.start()
    context = chromium.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(server.url + "/program")
        page.wait_for_function("() => document.querySelector('[data-next]').textContent === 'Nothing more today.'")
        page.evaluate("window.snapshots = 0; document.addEventListener('program:update', () => window.snapshots++)")
        server.stop()
        page.locator("[data-live-status]").get_by_text("offline").wait_for(timeout=15000)
        server.start()
        # Back online: the mark goes away and a fresh snapshot arrives without a reload.
        page.locator("[data-live-status]").wait_for(state="hidden", timeout=20000)
        page.wait_for_function("() => window.snapshots >= 1", timeout=10000)
    finally:
        context.close()
        server.stop()
