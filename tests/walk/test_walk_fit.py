"""Long words where they are read: a three-line speaker message leaves the digits and "Next" on the screen and
does not cover the stage countdown; a 200-character walk-in name does not make the desk wider than the phone."""

from __future__ import annotations

import pytest
import requests

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

MESSAGE = (
    "Please wrap up now: the next speaker is waiting at the side of the stage and the coffee break "
    "starts in two minutes sharp, thank you"
)[:140]


def box(page, selector: str) -> dict:
    b = page.locator(selector).first.bounding_box()
    assert b is not None, selector
    return b


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def inside(b: dict, width: int, height: int) -> bool:
    return b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= width + 1 and b["y"] + b["height"] <= height + 1


def test_a_long_message_leaves_the_digits_and_next_in_view(chromium, live_server):
    chair = live_server.staff("chair", "--room", "main")
    url = f"{live_server.url}/api/v1/rooms/main/timer"
    r = requests.post(
        url,
        json={"action": "message", "text": MESSAGE, "command_id": "fit-1"},
        headers={"Authorization": f"Bearer {chair['token']}"},
        timeout=5,
    )
    assert r.ok
    for path, (w, h) in [
        ("/rooms/main/speaker", (1280, 720)),
        ("/rooms/main/speaker", (1024, 768)),
        ("/rooms/main/stage", (1920, 1080)),
        ("/rooms/main/stage", (1280, 720)),
    ]:
        context = chromium.new_context(viewport={"width": w, "height": h})
        page = context.new_page()
        page.goto(live_server.url + path)
        page.wait_for_function("() => !document.querySelector('[data-message]').hidden")
        page.wait_for_timeout(200)
        digits, message = box(page, "[data-digits]"), box(page, "[data-message]")
        where = f"{path} at {w}x{h}"
        assert inside(digits, w, h), (where, digits)
        assert inside(box(page, ".stage-next"), w, h), where
        assert inside(message, w, h), (where, message)
        assert not overlaps(digits, message), (where, digits, message)
        # The digits are still big: at least a tenth of the screen's height.
        assert digits["height"] >= h / 10, (where, digits)
        assert page.evaluate("document.documentElement.scrollHeight") <= h, where
        context.close()


def test_a_200_character_walk_in_name_fits_the_phone(chromium, live_server):
    organizer = live_server.staff("organizer")
    name = ("Maximiliana Alexandrovna Konstantinopolskaya-Wolfeschlegelsteinhausenbergerdorff " * 3)[:200]
    r = requests.post(
        f"{live_server.url}/api/v1/checkin/walkins",
        json={"name": name, "affiliation": "X" * 120},
        headers={"Authorization": f"Bearer {organizer['token']}"},
        timeout=5,
    )
    assert r.status_code in (200, 201), r.text
    context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(organizer["login_url"])
    page.click("button[type=submit]")
    page.wait_for_url("**/staff")
    for path in ("/checkin/desk", "/checkin/board"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    context.close()
