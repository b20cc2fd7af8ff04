"""Q&A over Socket.IO: channels and snapshots, deltas, moderator-only channel, socket commands, coalescing."""

from __future__ import annotations

from eventapp import coalesce
from eventapp.qa import board, policy, push
from tests.qa.conftest import ORIGIN, SLOT, ask


def events(client, name="question"):
    return [m["args"][0] for m in client.get_received() if m["name"] == name]


def test_public_channel_gives_a_snapshot_then_deltas(qa_app, phone, socket_client):
    first = ask(phone(), "Asked before subscribing?").get_json()["id"]
    audience = socket_client()
    ack = audience.emit("subscribe", {"channel": f"qa:{SLOT}"}, callback=True)
    assert ack["ok"] and [q["id"] for q in ack["snapshot"]["questions"]] == [first]
    assert ack["snapshot"]["counts"]["visible"] == 1
    audience.get_received()
    second = ask(phone(), "Asked while subscribed?").get_json()
    got = events(audience)
    assert got[0]["id"] == second["id"] and got[0]["text"] == "Asked while subscribed?"
    assert "voter" not in got[0] and "starred" not in got[0]
    assert audience.emit("subscribe", {"channel": "qa:nope"}, callback=True)["error"] == "not_found"


def test_moderator_channel_is_for_moderators_of_that_session(qa_app, socket_client, make_staff):
    assert socket_client().emit("subscribe", {"channel": f"qa-mod:{SLOT}"}, callback=True)["error"] == "forbidden"
    other = socket_client(make_staff("moderator", session_ids=["orals-1"])["token"])
    assert other.emit("subscribe", {"channel": f"qa-mod:{SLOT}"}, callback=True)["error"] == "forbidden"
    own = socket_client(make_staff("moderator", session_ids=["opening"])["token"])
    ack = own.emit("subscribe", {"channel": f"qa-mod:{SLOT}"}, callback=True)
    assert ack["ok"] and ack["snapshot"]["moderator"] is True


def test_pending_reaches_moderators_only_until_approved(qa_app, phone, socket_client, make_staff):
    chair = make_staff("chair")
    qa_app.test_client().patch("/api/v1/sessions/opening/qa", json={"premoderation": True}, headers=chair["headers"])
    audience, mod = socket_client(), socket_client(chair["token"])
    audience.emit("subscribe", {"channel": f"qa:{SLOT}"}, callback=True)
    mod.emit("subscribe", {"channel": f"qa-mod:{SLOT}"}, callback=True)
    audience.get_received()
    mod.get_received()
    qid = ask(phone(), "Please review me?").get_json()["id"]
    assert events(audience) == []
    mod_events = events(mod)
    assert mod_events[0]["id"] == qid and mod_events[0]["status"] == "pending"
    # Approve over the socket: the audience gets the whole question.
    reply = mod.emit("qa_moderate", {"question_id": qid, "status": "visible"}, callback=True)
    assert reply["ok"] and reply["question"]["status"] == "visible"
    got = events(audience)
    assert got[-1]["id"] == qid and got[-1]["text"] == "Please review me?"
    # Hiding tells the audience to drop it, with no text.
    mod.emit("qa_moderate", {"question_id": qid, "status": "hidden"}, callback=True)
    hidden = events(audience)[-1]
    assert (hidden["id"], hidden["status"], "text" in hidden) == (qid, "hidden", False)
    assert hidden["counts"] == {"visible": 0, "answered": 0, "pending": 0}
    assert (
        socket_client().emit("qa_moderate", {"question_id": qid, "status": "visible"}, callback=True)["error"]
        == "unauthenticated"
    )


def test_socket_ask_and_vote_use_the_voter_cookie_and_the_same_limits(qa_app, phone, socket_client):
    bare = socket_client()
    reply = bare.emit("qa_ask", {"slot_id": SLOT, "text": "No cookie here?"}, callback=True)
    assert (reply["ok"], reply["error"]) == (False, "no_voter")
    p = phone()
    p.get(f"/slots/{SLOT}/qa")  # the page issues the cookie
    sock = socket_client(flask_client=p)
    reply = sock.emit("qa_ask", {"slot_id": SLOT, "text": "Over the socket?"}, callback=True)
    assert reply["ok"] and reply["question"]["text"] == "Over the socket?"
    again = sock.emit("qa_ask", {"slot_id": SLOT, "text": "Again too soon?"}, callback=True)
    assert (again["error"], again["retry_after"] > 0) == ("too_fast", True)
    assert sock.emit("qa_ask", {"slot_id": SLOT, "text": "x"}, callback=True)["error"] == "text_too_short"
    qid = reply["question"]["id"]
    for _ in range(2):
        assert sock.emit("qa_vote", {"question_id": qid}, callback=True)["votes"] == 1
    # The same identity over HTTP sees its socket vote.
    listed = p.get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"][0]
    assert (listed["voted"], listed["mine"]) == (True, True)
    assert sock.emit("qa_vote", {"question_id": "1"}, callback=True)["error"] == "invalid_question_id"


def test_snapshot_includes_own_pending_questions(qa_app, phone, socket_client, make_staff):
    chair = make_staff("chair")
    qa_app.test_client().patch("/api/v1/sessions/opening/qa", json={"premoderation": True}, headers=chair["headers"])
    p = phone()
    qid = ask(p, "Mine, in review?").get_json()["id"]
    own = socket_client(flask_client=p).emit("subscribe", {"channel": f"qa:{SLOT}"}, callback=True)
    assert [(q["id"], q["status"], q["mine"]) for q in own["snapshot"]["questions"]] == [(qid, "pending", True)]
    other = socket_client().emit("subscribe", {"channel": f"qa:{SLOT}"}, callback=True)
    assert other["snapshot"]["questions"] == []


def test_vote_pushes_are_coalesced_per_question(qa_app, phone, socket_client, monkeypatch):
    monkeypatch.setitem(qa_app.config, "QA_VOTE_FLUSH_SECONDS", 0.3)
    later = []  # the coalescer's background flush, run by hand below
    monkeypatch.setattr(coalesce.socketio, "start_background_task", lambda fn, *args: later.append((fn, args)))
    qid = ask(phone()).get_json()["id"]
    audience = socket_client()
    audience.emit("subscribe", {"channel": f"qa:{SLOT}"}, callback=True)
    audience.get_received()
    for _ in range(5):
        assert phone().post(f"/api/v1/questions/{qid}/vote", headers=ORIGIN).status_code == 200
    assert events(audience) == []
    assert len(later) == 1  # one pending flush for the whole burst
    fn, args = later.pop()
    fn(*args)
    assert events(audience) == [{"id": qid, "slot_id": SLOT, "votes": 5}]
    assert push.flush_votes({}) == 0


def test_highlight_reaches_the_stage_channel(qa_app, phone, socket_client, make_staff, monkeypatch):
    monkeypatch.setattr(board, "current_slot_id", lambda room_id, now=None: SLOT)
    qid = ask(phone(), "Put me on screen?").get_json()["id"]
    stage = socket_client()
    ack = stage.emit("subscribe", {"channel": "qa-stage:main"}, callback=True)
    assert ack["snapshot"]["question"] is None
    stage.get_received()
    h = make_staff("chair")["headers"]
    qa_app.test_client().patch(f"/api/v1/questions/{qid}", json={"highlighted": True}, headers=h)
    shown = events(stage, "qa_stage")
    assert shown[-1]["question"]["text"] == "Put me on screen?"
    assert policy.MAX_TEXT == 500


def test_private_changes_stay_off_the_public_channel(qa_app, phone, socket_client, make_staff):
    qid = ask(phone()).get_json()["id"]
    chair = make_staff("chair")
    audience, mod = socket_client(), socket_client(chair["token"])
    audience.emit("subscribe", {"channel": f"qa:{SLOT}"}, callback=True)
    mod.emit("subscribe", {"channel": f"qa-mod:{SLOT}"}, callback=True)
    audience.get_received()
    mod.get_received()
    mod.emit("qa_moderate", {"question_id": qid, "starred": True}, callback=True)
    assert events(audience) == []
    assert events(mod)[-1] == {"id": qid, "slot_id": SLOT, "starred": True}
    mod.emit("qa_moderate", {"question_id": qid, "text": "An edited question?"}, callback=True)
    edit = events(audience)[-1]
    assert edit["text"] == "An edited question?" and edit["edited"] is True and "original_text" not in edit


def test_socket_events_are_rate_limited_per_socket(qa_app, phone, socket_client):
    qid = ask(phone()).get_json()["id"]
    p = phone()
    p.get(f"/slots/{SLOT}/qa")
    sock = socket_client(flask_client=p)
    burst = policy.SOCKET_EVENTS_PER_10S + 1
    replies = [sock.emit("qa_vote", {"question_id": qid}, callback=True) for _ in range(burst)]
    assert all(r["ok"] for r in replies[:-1])
    assert (replies[-1]["ok"], replies[-1]["error"], replies[-1]["retry_after"] > 0) == (False, "rate_limited", True)


def test_the_flush_interval_grows_with_the_hall():
    assert push.flush_interval(0.5, 10) == 0.5
    assert push.flush_interval(0.5, 2000) == 1.0
    assert push.flush_interval(0.5, 100_000) == 2.0
