"""Against a real server (gunicorn, gevent): a kill -9 keeps the deadline; in Chromium, the chair starts the
timer and the stage in another browser context follows within 500 ms, then changes phase at the threshold."""

from __future__ import annotations

import signal
import time
import uuid

import requests


def command(server, token: str, action: str, **extra) -> dict:
    r = requests.post(
        f"{server.url}/api/v1/rooms/main/timer",
        json={"action": action, "command_id": uuid.uuid4().hex, **extra},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_kill_9_then_restart_resumes_the_same_deadline(live_server):
    chair = live_server.staff("chair", "--room", "main")
    command(live_server, chair["token"], "previous")
    started = command(live_server, chair["token"], "start")
    adjusted = command(live_server, chair["token"], "adjust", seconds=45)
    assert adjusted["ends_at_ms"] == started["ends_at_ms"] + 45_000
    live_server.stop(signal.SIGKILL)
    live_server.start()
    after = requests.get(f"{live_server.url}/api/v1/rooms/main/timer", timeout=10).json()
    assert after["state"] == "running" and after["slot_id"] == "keynote-5"
    assert after["ends_at_ms"] == adjusted["ends_at_ms"]
    assert after["revision"] >= adjusted["revision"]


def test_chair_start_reaches_the_stage_and_the_warning_shows(live_server, chromium):
    chair = live_server.staff("chair", "--room", "main")
    chair_ctx = chromium.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    # bypass_csp: wait_for_function evaluates its predicate as a string, which our CSP (rightly) forbids.
    stage_ctx = chromium.new_context(bypass_csp=True, viewport={"width": 1280, "height": 720})
    try:
        phone = chair_ctx.new_page()
        phone.goto(chair["login_url"])
        phone.get_by_role("button", name="Sign in").click()
        phone.wait_for_url("**/staff")
        phone.goto(f"{live_server.url}/rooms/main/chair")
        stage = stage_ctx.new_page()
        stage.goto(f"{live_server.url}/rooms/main/stage")
        digits = stage.locator("[data-digits]")
        root = stage.locator("[data-timer-root]")
        # Both pages are subscribed (the snapshot arrived) before the chair presses Start.
        stage.wait_for_function("document.querySelector('[data-timer-root]').dataset.revision !== undefined")
        phone.wait_for_function("document.querySelector('[data-timer-root]').dataset.revision !== undefined")
        assert root.get_attribute("data-phase") == "idle"
        assert digits.inner_text() == "10:00"
        # Leave 2:02 on the clock (the warning threshold is 2:00) before starting.
        phone.get_by_role("button", name="−1 min").click()
        for _ in range(7):
            phone.get_by_role("button", name="−1 min").click()
            phone.wait_for_timeout(40)
        phone.wait_for_function("document.querySelector('[data-digits]').textContent === '2:00'")
        phone.get_by_role("button", name="+30 s").click()
        phone.wait_for_function("document.querySelector('[data-digits]').textContent === '2:30'")
        command(live_server, chair["token"], "adjust", seconds=-28)  # 2:30 - 28 s = 2:02
        stage.wait_for_function("document.querySelector('[data-digits]').textContent === '2:02'")
        clicked = time.monotonic()
        phone.get_by_role("button", name="Start").click()
        stage.wait_for_function("document.querySelector('[data-timer-root]').dataset.phase === 'normal'", timeout=2000)
        reached = time.monotonic() - clicked
        assert reached < 0.5, f"the stage followed after {reached:.3f} s"
        # The digits run: 2:02 becomes 2:01 within a second of the start.
        stage.wait_for_function("document.querySelector('[data-digits]').textContent === '2:01'", timeout=1500)
        assert stage.locator("[data-cue]").inner_text().lower() == "on time"
        stage.wait_for_function("document.querySelector('[data-timer-root]').dataset.phase === 'warning'", timeout=5000)
        assert stage.locator("[data-cue]").inner_text().lower() == "wrap up soon"
        colour = stage.evaluate("getComputedStyle(document.querySelector('[data-cue]')).backgroundColor")
        assert colour == "rgb(242, 183, 5)"
        assert phone.locator("[data-ack]").inner_text().startswith("✓ Start")
        assert phone.get_by_role("button", name="Pause").is_visible()
    finally:
        chair_ctx.close()
        stage_ctx.close()
