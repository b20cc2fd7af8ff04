"""In Chromium: the audience's Q&A page says what is on now and next like the program and room pages do. A room's
running (or paused) timer decides "now", not the plan; what follows shows with its time; a reset gives "now" back
to the plan. The page follows the room's timer events (no `program` channel)."""

from __future__ import annotations

import itertools

import pytest
import requests

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True}
_ids = itertools.count()


def command(live_server, auth, action: str) -> dict:
    r = requests.post(
        f"{live_server.url}/api/v1/rooms/main/timer",
        headers=auth,
        timeout=10,
        json={"action": action, "command_id": f"nownext-{next(_ids)}"},
    )
    assert r.status_code == 200, r.text
    return r.json()


def text_of(page, selector: str) -> str:
    return page.locator(selector).first.inner_text().strip()


def test_a_running_timer_s_slot_is_now_on_the_audience_page(live_server, chromium):
    chair = live_server.staff("chair", "--room", "main")
    auth = {"Authorization": f"Bearer {chair['token']}"}
    errors: list[str] = []
    ctx = chromium.new_context(**PHONE)
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/rooms/main/qa")
        by_plan = text_of(page, "[data-now]")  # the server's first paint: the plan (the timer rests)
        page.wait_for_function("() => document.querySelector('[data-next]').textContent.trim() !== ''")

        # The chair moves the timer two slots back from where it rests (the day's last slot) and runs it: the plan
        # does not say that one (the demo's day here is the real one, long over: the plan says nothing is on).
        command(live_server, auth, "previous")
        command(live_server, auth, "previous")
        state = command(live_server, auth, "start")
        assert state["state"] == "running" and state["slot"]["title"] not in by_plan
        slot, upcoming = state["slot"], state["next_slot"]
        page.wait_for_function(
            "(title) => document.querySelector('[data-now]').textContent.startsWith(title)",
            arg=slot["title"],
            timeout=10000,
        )
        if upcoming:
            page.wait_for_function(
                "(title) => /^\\d\\d:\\d\\d /.test(document.querySelector('[data-next]').textContent)"
                " && document.querySelector('[data-next]').textContent.includes(title)",
                arg=upcoming["title"],
                timeout=10000,
            )
        # Paused, the slot is still what is happening.
        command(live_server, auth, "pause")
        page.wait_for_timeout(1500)
        assert text_of(page, "[data-now]").startswith(slot["title"])
        # Reset: the timer rests, the plan decides again (what the page first showed).
        command(live_server, auth, "reset")
        page.wait_for_function(
            "(text) => document.querySelector('[data-now]').textContent.trim() === text", arg=by_plan, timeout=10000
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert not errors, errors
    finally:
        ctx.close()
