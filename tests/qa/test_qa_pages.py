"""The Q&A pages render, name their board, and check who may moderate."""

from __future__ import annotations

from eventapp import auth
from tests.qa.conftest import SLOT


def _signed_in(app, role: str, **scope):
    member = auth.add_staff(f"Page {role}", role, **scope)
    client = app.test_client()
    token = auth.redeem_login_link(auth.issue_login_link(member.id).rsplit("/", 1)[1])
    with client.session_transaction() as sess:
        sess[auth.SESSION_KEY] = token
    return client


def test_audience_pages(qa_app, phone):
    p = phone()
    room = p.get("/rooms/main/qa")
    assert (
        room.status_code == 200
        and b'data-follow="yes"' in room.data
        and b"qa_voter=" in room.headers.get("Set-Cookie", "").encode()
    )
    online = p.get(f"/slots/{SLOT}/qa?origin=online")
    assert b'value="online" checked' in online.data
    assert p.get("/slots/nope/qa").status_code == 404
    assert p.get("/rooms/nope/qa").status_code == 404
    screen = p.get("/rooms/main/qa/screen")
    assert screen.status_code == 200 and b"data-stage-question" in screen.data and b"<svg" in screen.data


def test_console_is_for_the_session_moderators(qa_app):
    assert qa_app.test_client().get("/sessions/opening/moderate").status_code == 302  # to the sign-in help
    other = _signed_in(qa_app, "moderator", session_ids=["orals-1"])
    assert other.get("/sessions/opening/moderate").status_code == 403
    own = _signed_in(qa_app, "moderator", session_ids=["opening"])
    page = own.get("/sessions/opening/moderate")
    assert page.status_code == 200 and b"data-mod-list" in page.data and b"data-comods" not in page.data
    assert b"/sessions/opening/moderate" in own.get("/moderate").data
    chair = _signed_in(qa_app, "chair", room_ids=["main"])
    assert b"data-comods" in chair.get("/sessions/opening/moderate").data
    assert b"Q&amp;A moderation" in chair.get("/staff").data
