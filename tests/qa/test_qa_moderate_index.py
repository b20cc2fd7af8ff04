"""The moderator's list of sessions: each with its times, the one running now marked (two coffee breaks differ)."""

from __future__ import annotations

import re

from flask import g

from eventapp import auth


def _signed_in(app, role: str, **scope):
    member = auth.add_staff(f"Index {role}", role, **scope)
    client = app.test_client()
    token = auth.redeem_login_link(auth.issue_login_link(member.id).rsplit("/", 1)[1])
    with client.session_transaction() as sess:
        sess[auth.SESSION_KEY] = token
    return client


def test_each_session_shows_its_times_and_the_running_one_is_marked(qa_app, make_staff):
    organizer = _signed_in(qa_app, "organizer")
    page = organizer.get("/moderate").get_data(as_text=True)
    breaks = re.findall(r"Coffee break</strong>\s*<span[^>]*>([^<]+)<", page)
    assert [b.strip() for b in breaks] == ["10:20–10:40", "15:50–16:10"]
    assert 'aria-current="true"' not in page  # the demo day is long past: nothing runs
    chair = make_staff("chair", room_ids=["main"])
    g.pop("principal", None)
    r = organizer.post(
        "/api/v1/rooms/main/timer", json={"action": "start", "command_id": "idx1"}, headers=chair["headers"]
    )
    assert r.status_code == 200
    g.pop("principal", None)
    page = organizer.get("/moderate").get_data(as_text=True)
    current = re.findall(r'<a class="card[^"]*" aria-current="true"[^>]*>\s*<strong>([^<]+)</strong>', page)
    assert current == ["Short orals and closing keynote"] and "now" in page.split('aria-current="true"')[1][:300]
