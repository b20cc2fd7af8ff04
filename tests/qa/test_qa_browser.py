"""In Chromium: a phone asks, the moderator approves in a second context, the question appears on the audience
page, a vote from another phone updates the count live, and "on screen" shows it on the Q&A screen and on the
timer's stage screen."""

from __future__ import annotations

import pytest
import requests

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
TEXT = "Does the <b>model</b> generalise to other hospitals?"


def test_ask_approve_vote_and_put_on_screen(live_server, chromium):
    url = live_server.url
    organizer = live_server.staff("organizer")
    auth = {"Authorization": f"Bearer {organizer['token']}"}
    room = requests.get(f"{url}/api/v1/rooms/main/qa", timeout=10).json()
    slot = room["slot_id"]
    session_id = requests.get(f"{url}/api/v1/slots/{slot}/questions", timeout=10).json()["session_id"]
    r = requests.patch(f"{url}/api/v1/sessions/{session_id}/qa", json={"premoderation": True}, headers=auth, timeout=10)
    assert r.status_code == 200

    errors: list[str] = []
    contexts = []

    def page(**kw):
        ctx = chromium.new_context(**kw)
        contexts.append(ctx)
        p = ctx.new_page()
        p.on("pageerror", lambda e: errors.append(str(e)))
        return p

    try:
        phone = page(viewport={"width": 360, "height": 740}, is_mobile=True)
        phone.goto(f"{url}/rooms/main/qa")
        phone.fill("#qa-text", TEXT)
        phone.fill("#qa-name", "Ada")
        phone.get_by_role("button", name="Send question").click()
        phone.get_by_text("It is in review").wait_for()
        mine = phone.locator("[data-qa-list] li", has_text="generalise")
        mine.get_by_text("in review").wait_for()

        mod = page()
        mod.goto(live_server.staff("chair", "--room", "main")["login_url"])
        mod.get_by_role("button", name="Sign in").click()
        mod.goto(f"{url}/sessions/{session_id}/moderate?slot={slot}")
        card = mod.locator("[data-mod-list] li", has_text="generalise")
        card.get_by_role("button", name="Approve").click()

        # The asker's page drops "in review" live; another phone sees the question and upvotes it.
        mine.get_by_text("in review").wait_for(state="detached")
        other = page(viewport={"width": 360, "height": 740}, is_mobile=True)
        other.goto(f"{url}/slots/{slot}/qa")
        theirs = other.locator("[data-qa-list] li", has_text="generalise")
        assert theirs.locator(".qa-text").text_content() == TEXT  # text, not markup
        theirs.get_by_role("button", name="Upvote: 0 votes").click()
        mine.locator("[data-votes]").filter(has_text="1").wait_for()

        screen = page(viewport={"width": 1280, "height": 720})
        screen.goto(f"{url}/rooms/main/qa/screen")
        stage = page(viewport={"width": 1920, "height": 1080})  # the projector: the timer's stage screen
        stage.goto(f"{url}/rooms/main/stage")
        mod.goto(f"{url}/sessions/{session_id}/moderate?slot={slot}")
        mod.get_by_role("button", name="Open").click()
        mod.locator("[data-mod-list] li", has_text="generalise").get_by_role("button", name="On screen").click()
        screen.locator("[data-stage-question] [data-stage-text]", has_text="generalise").wait_for()
        assert screen.locator("[data-stage-text]").text_content() == TEXT
        stage.locator("[data-stage-question] [data-stage-text]", has_text="generalise").wait_for()
        assert stage.locator("[data-stage-text]").text_content() == TEXT
        assert stage.evaluate("document.documentElement.scrollHeight") <= 1080  # still one 16:9 screen
        assert errors == []
    finally:
        for ctx in contexts:
            ctx.close()
