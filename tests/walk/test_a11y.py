"""axe-core (vendored, tests only) on every page, light and dark: no critical and no serious finding. The timer
pages are checked running into overtime too (its red on the black stage) and with a message on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from eventapp.timer.clock import MAX_ADJUST_SECONDS

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
PUBLIC = [
    "/",
    "/program",
    "/rooms/main",
    "/rooms/main/qa",
    "/rooms/main/qa/screen",
    "/rooms/main/stage",
    "/rooms/main/speaker",
    "/rooms/main/remote",
    "/signin",
    "/slots/keynote-1/qa",
    "/rooms/nowhere",
]
ORGANIZER = [
    "/staff",
    "/staff/accounts",
    "/checkin/scan",
    "/checkin/board",
    "/checkin/desk",
    "/checkin/badges",
    "/moderate",
    "/sessions/opening/moderate?slot=keynote-1",
    "/chair",
    "/rooms/main/chair",
    "/checkin/badges/1",
]


def findings(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, { resultTypes: ["violations"] });
        return r.violations.filter((v) => v.impact === "critical" || v.impact === "serious").map((v) =>
            `${v.id} (${v.impact}) ×${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`
            + ` ${v.nodes[0].failureSummary.split("\\n").slice(1, 2).join("")}`);
    }""")
    return result


def sign_in(context, login_url: str) -> list[str]:
    """Signs the context in; returns the sign-in page's own findings."""
    page = context.new_page()
    page.goto(login_url)
    found = findings(page)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff")
    page.close()
    return found


PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
ON_A_PROJECTOR = ["/rooms/main/stage", "/rooms/main/speaker", "/rooms/main/qa/screen", "/checkin/board"]


def walk(chromium, server, scheme: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for size, paths in ((PHONE, PUBLIC + ORGANIZER), (PROJECTOR, ON_A_PROJECTOR)):
        context = chromium.new_context(color_scheme=scheme, bypass_csp=True, **size)
        # A link signs in once: one account per context.
        found = sign_in(context, server.staff("organizer")["login_url"])
        if found:
            out[f"{scheme} {size['viewport']['width']} /login/…"] = found
        page = context.new_page()
        for path in paths:
            page.goto(server.url + path)
            page.wait_for_load_state("load")
            page.wait_for_timeout(200)  # the scripts fill the page
            found = findings(page)
            if found:
                out[f"{scheme} {size['viewport']['width']} {path}"] = found
        context.close()
    return out


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_has_no_serious_accessibility_finding(chromium, live_server, scheme):
    chair = live_server.staff("chair", "--room", "main")
    headers = {"Authorization": f"Bearer {chair['token']}"}
    url = f"{live_server.url}/api/v1/rooms/main/timer"

    # The timer's slot runs into overtime, with a message for the speaker on screen. Which slot that is, and whether
    # a talk that ran out flows into its Q&A, depends on the hour: take away what is left (and a minute) until the
    # room's timer, as everyone reads it, says overtime.
    def command(body: dict, n: int) -> None:
        answer = requests.post(url, json={**body, "command_id": f"a11y-{scheme}-{n}"}, headers=headers, timeout=5)
        assert answer.ok, answer.text

    command({"action": "start"}, 0)
    for n in range(1, 6):
        state = requests.get(url, timeout=5).json()
        if state["phase"] == "overtime":
            break
        command({"action": "adjust", "seconds": -min(state["remaining_ms"] // 1000 + 60, MAX_ADJUST_SECONDS)}, n)
    command({"action": "message", "text": "Please wrap up: the next talk is waiting", "flash": False}, 9)
    assert requests.get(url, timeout=5).json()["phase"] == "overtime"
    problems = walk(chromium, live_server, scheme)
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
