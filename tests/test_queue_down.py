"""With the queue (Redis) down, every request is answered as usual on the server that got it: rate limits fall back
to this process's own counters, and /healthz says "degraded" (200) so that a balancer keeps every server in."""

from __future__ import annotations

import pytest

from eventapp import auth, create_app, db, features, ratelimit

from tests_support import DEMO_DAY, free_port

ORIGIN = {"Origin": "http://localhost"}


@pytest.fixture
def dead_queue_app(tmp_path):
    """The demo day, with rate-limit counters in a Redis that does not answer (nothing listens on its port)."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
            "BASE_URL": "http://localhost",
            "SOCKET_ASYNC_MODE": "threading",
            "RATELIMIT_STORAGE": dead,
        }
    )
    db.create_all_for_tests(app.extensions[db.ENGINE_KEY])
    with app.app_context():
        with db.session_scope() as s:
            for module in features.import_modules("demo"):
                module.seed(s, DEMO_DAY)
        yield app
    app.extensions[db.ENGINE_KEY].dispose()


def staff(role: str, **scope) -> dict:
    member = auth.add_staff(f"Queue-down {role}", role, **scope)
    return {"Authorization": f"Bearer {auth.issue_api_token(member.id, label='t')}"}


def test_timer_commands_are_answered_while_the_limit_store_is_down(dead_queue_app):
    client = dead_queue_app.test_client()
    chair = staff("chair", room_ids=["main"])
    for i, action in enumerate(("start", "pause", "resume", "next", "start")):
        answer = client.post("/api/v1/rooms/main/timer", json={"action": action, "command_id": f"c{i}"}, headers=chair)
        assert answer.status_code == 200, answer.get_data(as_text=True)


def test_votes_and_questions_are_answered_while_the_limit_store_is_down(dead_queue_app):
    phone = dead_queue_app.test_client()
    asked = phone.post("/api/v1/slots/keynote-2/questions", json={"text": "Still there?"}, headers=ORIGIN)
    assert asked.status_code == 201, asked.get_data(as_text=True)
    vote = phone.post(f"/api/v1/questions/{asked.get_json()['id']}/vote", headers=ORIGIN)
    assert vote.status_code == 200, vote.get_data(as_text=True)
    assert vote.get_json()["votes"] == 1


def test_a_forged_badge_is_refused_not_failed_while_the_limit_store_is_down(dead_queue_app):
    client = dead_queue_app.test_client()
    volunteer = staff("volunteer")
    answer = client.post(
        "/api/v1/checkins", json={"code": "AAAAAAAAAAAAAAAAAAAAAAAAAA", "nonce": "forged-1"}, headers=volunteer
    )
    assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)
    assert answer.get_json()["error"] != "internal_error"


def test_a_socket_vote_is_acked_while_the_limit_store_is_down(dead_queue_app):
    from eventapp.realtime import socketio

    phone = dead_queue_app.test_client()
    asked = phone.post("/api/v1/slots/keynote-2/questions", json={"text": "Socket vote?"}, headers=ORIGIN)
    sock = socketio.test_client(dead_queue_app, flask_test_client=phone)
    try:
        ack = sock.emit("qa_vote", {"question_id": asked.get_json()["id"]}, callback=True)
        assert ack and ack["ok"] is True, ack
    finally:
        sock.disconnect()


def test_limits_still_hold_per_process_while_the_store_is_down(dead_queue_app):
    with dead_queue_app.test_request_context():
        for _ in range(3):
            ratelimit.hit("3/minute", "fallback-test")
        with pytest.raises(ratelimit.ApiError) as refused:
            ratelimit.hit("3/minute", "fallback-test")
    assert refused.value.status == 429


def test_the_fallback_is_counted_in_metrics(dead_queue_app):
    client = dead_queue_app.test_client()
    client.post("/api/v1/slots/keynote-2/questions", json={"text": "Counted?"}, headers=ORIGIN)
    text = client.get("/metrics").get_data(as_text=True)
    assert "eventapp_ratelimit_fallbacks_total" in text
    line = next(x for x in text.splitlines() if x.startswith("eventapp_ratelimit_fallbacks_total"))
    assert float(line.split()[1]) >= 1


def test_healthz_with_an_unreachable_queue_is_degraded_not_down(app, client):
    app.config["MESSAGE_QUEUE"] = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["queue"], body["database"]) == ("degraded", "unavailable", "ok")


def test_after_the_queue_returns_every_followed_channel_gets_its_fresh_state(demo_app, socket_client, make_staff):
    """queue_watch.resync_local: each channel this server's sockets follow gets the events that bring it up to date,
    built from the database (what was published while the queue was down never arrived)."""
    from eventapp import queue_watch

    organizer = make_staff("organizer")
    staff = socket_client(organizer["token"])
    phone = socket_client()
    for channel in ("timer:main", "program", "coverage", "qa-mod:keynote-2", "qa-stage:main"):
        assert staff.emit("subscribe", {"channel": channel}, callback=True)["ok"], channel
    assert phone.emit("subscribe", {"channel": "qa:keynote-2"}, callback=True)["ok"]
    client = demo_app.test_client()
    asked = client.post("/api/v1/slots/keynote-2/questions", json={"text": "Lost in the outage?"}, headers=ORIGIN)
    staff.get_received()
    phone.get_received()

    sent = queue_watch.resync_local(demo_app)
    assert sent == {"timer": 1, "program": 1, "coverage": 1, "qa-mod": 1, "qa-stage": 1, "qa": 1}
    names = [m["name"] for m in staff.get_received()]
    assert {"timer", "program", "coverage", "question", "qa_counts", "qa_board", "qa_stage"} <= set(names)
    public = phone.get_received()
    questions = [m["args"][0] for m in public if m["name"] == "question"]
    assert asked.get_json()["id"] in {q["id"] for q in questions}
    assert all("voted" not in q and "mine" not in q for q in questions)  # nobody's own marks are overwritten
    assert {m["name"] for m in public} == {"question", "qa_counts", "qa_board"}  # the phone follows only its board


def test_a_publish_that_works_again_first_does_not_swallow_the_listeners_resync():
    """Redis returns; a chair's command publishes before the listener has resubscribed: the listener's return must
    still say that it was down (so this server resends its channels), and only then is the queue up."""
    from eventapp.queue_watch import QueueState

    state = QueueState()
    state.mark_down(ConnectionError("refused"), "listen")
    state.mark_down(ConnectionError("refused"), "publish")
    assert not state.up
    assert state.mark_up("publish") is True and not state.up
    assert state.mark_up("listen") is True and state.up
    assert state.mark_up("listen") is False
    assert state.changes == 2  # one drop, one return


def test_a_big_board_resends_only_what_changed_since_the_outage_began(demo_app):
    """Each question is a broadcast to the whole hall: past RESYNC_WHOLE_BOARD questions, only those asked,
    moderated or voted on since the outage began go again (the counters always do)."""
    from datetime import timedelta

    from sqlalchemy import update

    from eventapp.qa import board
    from eventapp.qa.models import Question

    client = demo_app.test_client()
    long_ago = db.utcnow() - timedelta(hours=1)
    with db.session_scope() as s:
        for n in range(board.RESYNC_WHOLE_BOARD + 1):
            s.add(Question(slot_id="keynote-2", voter_id=f"v{n}", text=f"Old question {n}?", status="visible"))
    with db.session_scope() as s:
        s.exec(update(Question).values(created_at=long_ago, updated_at=long_ago))
    new = client.post("/api/v1/slots/keynote-2/questions", json={"text": "Asked during the outage?"}, headers=ORIGIN)
    since = db.utcnow() - timedelta(minutes=1)
    events = board.resync_events("keynote-2", since, moderators=False)
    assert [p["id"] for name, p in events if name == "question"] == [new.get_json()["id"]]
    assert [name for name, _p in events][-2:] == ["qa_counts", "qa_board"]
    everything = board.resync_events("keynote-2", None, moderators=False)
    assert len([1 for name, _p in everything if name == "question"]) >= board.RESYNC_WHOLE_BOARD + 2
