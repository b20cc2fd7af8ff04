"""The other roles walked on a phone in Chromium: the chair (start, a double tap on Next moves one slot, undo,
a message), the audience (ask, vote), the moderator (approve, on screen) and the organizer's board updating."""

from __future__ import annotations

import pytest
import requests

from tests.checkin.test_checkin_browser import badge_row

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def signed_in(chromium, login_url: str, **kw):
    context = chromium.new_context(**kw)
    page = context.new_page()
    page.goto(login_url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff")
    return context, page


def timer(server) -> dict:
    return requests.get(f"{server.url}/api/v1/rooms/main/timer", timeout=5).json()


def wait_ack(page, text: str) -> None:
    page.locator("[data-ack][data-state='ok']", has_text=text).wait_for(timeout=15000)


def test_chair_starts_double_taps_next_undoes_and_messages(chromium, live_server):
    chair = live_server.staff("chair", "--room", "main")
    context, page = signed_in(chromium, chair["login_url"], **PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/rooms/main/chair")
    page.get_by_role("button", name="Previous").click()
    wait_ack(page, "Previous slot")
    page.get_by_role("button", name="Previous").click()
    page.wait_for_timeout(500)
    before = timer(live_server)
    page.get_by_role("button", name="Start").click()
    wait_ack(page, "Start")
    assert timer(live_server)["state"] == "running"
    # A nervous double tap on Next: one slot on, the second tap answered "not repeated".
    started = timer(live_server)
    page.get_by_role("button", name="Next slot").dblclick()
    page.wait_for_timeout(1500)
    moved = timer(live_server)
    assert moved["slot_index"] == started["slot_index"] + 1, (started["slot_id"], moved["slot_id"])
    # Undo goes back to where the chair was: the slot before the move, running as it was.
    page.get_by_role("button", name="Undo").click()
    wait_ack(page, "Undo")
    back = timer(live_server)
    assert (back["slot_id"], back["state"]) == (started["slot_id"], "running")
    assert before["slot_id"] == back["slot_id"]
    page.fill("#custom-message", "Mic is off")
    page.get_by_role("button", name="Show").click()
    page.locator("[data-message-now]", has_text="Mic is off").wait_for(timeout=15000)
    assert timer(live_server)["message"]["text"] == "Mic is off"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not errors, errors
    context.close()


# Tap Next, wait (in the page, polling every 5 ms) for its answer, tap Next again at once: what a double tap does
# on a venue's network, where the first answer comes back before the second tap. Resolves to the last ack's text.
TAP_ANSWER_TAP = """async () => {
  const next = [...document.querySelectorAll("button")].find((b) => b.textContent.trim() === "Next slot");
  const ack = document.querySelector("[data-ack]");
  const answered = () => ack.dataset.state === "ok" && ack.textContent.includes("Next slot");
  next.click();
  while (!answered()) await new Promise((r) => setTimeout(r, 5));
  next.click();
  await new Promise((r) => setTimeout(r, 20));
  while (ack.dataset.state === "pending") await new Promise((r) => setTimeout(r, 5));
  return ack.textContent;
}"""


def test_a_double_tap_whose_first_answer_came_back_first_still_moves_one_slot(chromium, live_server):
    chair = live_server.staff("chair", "--room", "main")
    # Room for two moves on, whatever the hour: the live demo day may stand at its last slot.
    state = timer(live_server)
    while state["slot_index"] > state["slot_count"] - 3:
        requests.post(
            f"{live_server.url}/api/v1/rooms/main/timer",
            json={"action": "previous", "command_id": f"back-{state['slot_index']}"},
            headers={"Authorization": f"Bearer {chair['token']}"},
            timeout=10,
        ).raise_for_status()
        state = timer(live_server)
    context, page = signed_in(chromium, chair["login_url"], **PHONE)
    page.goto(f"{live_server.url}/rooms/main/chair")
    page.locator("[data-ack]").wait_for(state="attached")
    before = timer(live_server)
    last_ack = page.evaluate(TAP_ANSWER_TAP)
    after = timer(live_server)
    assert after["slot_index"] == before["slot_index"] + 1, (before["slot_id"], after["slot_id"])
    assert "not repeated" in last_ack, last_ack
    # A press well after the answer is a new press: it moves on.
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Next slot").click()
    page.wait_for_function(
        "() => document.querySelector('[data-ack]').dataset.state === 'ok'"
        " && !document.querySelector('[data-ack]').textContent.includes('not repeated')",
        timeout=15000,
    )
    assert timer(live_server)["slot_index"] == before["slot_index"] + 2
    context.close()


def test_audience_asks_and_votes_moderator_approves_and_puts_it_on_screen(chromium, live_server):
    url = live_server.url
    chair = live_server.staff("chair", "--room", "main")
    auth = {"Authorization": f"Bearer {chair['token']}"}
    slot = requests.get(f"{url}/api/v1/rooms/main/qa", timeout=10).json()["slot_id"]
    session_id = requests.get(f"{url}/api/v1/slots/{slot}/questions", timeout=10).json()["session_id"]
    assert (
        requests.patch(
            f"{url}/api/v1/sessions/{session_id}/qa", json={"premoderation": True}, headers=auth, timeout=10
        ).status_code
        == 200
    )
    contexts = []
    try:
        phone_ctx = chromium.new_context(**PHONE)
        contexts.append(phone_ctx)
        phone = phone_ctx.new_page()
        phone.goto(f"{url}/rooms/main/qa")
        # What follows the talk on stage, on the event's 24-hour clock (expected time when the room runs late), in
        # the now/next partial of the program and room pages.
        phone.wait_for_function(
            "() => /^(\\d\\d:\\d\\d .+|Nothing more today\\.)$/.test(document.querySelector('[data-next]').textContent)"
        )
        phone.fill("#qa-text", "How was the walk test data collected?")
        phone.get_by_role("button", name="Send question").click()
        mine = phone.locator("[data-qa-list] li", has_text="walk test data")
        mine.get_by_text("in review").wait_for()

        mod_ctx, mod = signed_in(
            chromium, live_server.staff("moderator", "--session", session_id)["login_url"], **PHONE
        )
        contexts.append(mod_ctx)
        mod.goto(f"{url}/moderate")  # the session list: each with its times
        assert "–" in mod.locator("a.card").first.inner_text()
        mod.goto(f"{url}/sessions/{session_id}/moderate?slot={slot}")
        card = mod.locator("[data-mod-list] li", has_text="walk test data")
        card.get_by_role("button", name="Approve").click()
        mine.get_by_text("in review").wait_for(state="detached")

        voter_ctx = chromium.new_context(**PHONE)
        contexts.append(voter_ctx)
        voter = voter_ctx.new_page()
        voter.goto(f"{url}/slots/{slot}/qa")
        voter.locator("[data-qa-list] li", has_text="walk test data").get_by_role(
            "button", name="Upvote: 0 votes"
        ).click()
        mine.locator("[data-votes]").filter(has_text="1").wait_for()

        screen_ctx = chromium.new_context(viewport={"width": 1920, "height": 1080})
        contexts.append(screen_ctx)
        stage = screen_ctx.new_page()
        stage.goto(f"{url}/rooms/main/stage")
        mod.get_by_role("button", name="Open").click()
        mod.locator("[data-mod-list] li", has_text="walk test data").get_by_role("button", name="On screen").click()
        stage.locator("[data-stage-question] [data-stage-text]", has_text="walk test data").wait_for()
    finally:
        for ctx in contexts:
            ctx.close()


def test_the_organizer_board_follows_a_scan(chromium, live_server):
    organizer = live_server.staff("organizer")
    volunteer = live_server.staff("volunteer")
    context, board = signed_in(chromium, organizer["login_url"], **PHONE)
    board.goto(f"{live_server.url}/checkin/board")
    row = 'tr[data-paper="L4"]'
    board.wait_for_selector(row)
    assert board.get_attribute(row, "data-status") != "covered"
    code = badge_row(live_server, organizer["token"], "Xiaoying Tang")["code"]  # presents L4
    r = requests.post(
        f"{live_server.url}/api/v1/checkins",
        json={"code": code, "nonce": "walk-board-1"},
        headers={"Authorization": f"Bearer {volunteer['token']}"},
        timeout=5,
    )
    assert r.status_code == 201
    board.wait_for_selector(f'{row}[data-status="covered"]', timeout=15000)
    assert board.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
