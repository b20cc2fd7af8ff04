"""Identities are cheap, so they are made harmless (issue #12): a hall behind one NAT joins, asks and votes; a
script that drops its cookie gets 30 questions a minute; fresh identities piling votes on one question are flagged
and can be discounted; sign-in link guesses and socket connects with bad tokens are rate-limited."""

from __future__ import annotations

import time

from eventapp import auth
from eventapp.qa import identity
from eventapp.realtime import socketio
from tests.qa.conftest import ORIGIN, SLOT, ask


class Later:
    """time as seen `seconds` from now (identities minted now are then that old)."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def time(self) -> float:
        return time.time() + self.seconds


def test_a_script_without_its_cookie_gets_at_most_30_questions_a_minute(qa_app):
    accepted = 0
    for n in range(150):
        response = ask(qa_app.test_client(), f"Scripted question number {n} about the method?")  # a new identity each
        assert response.status_code in (201, 429), response.data
        accepted += response.status_code == 201
    assert accepted == identity.FRESH_QUESTIONS_PER_MINUTE


def test_a_hall_of_600_phones_behind_one_address_joins_asks_and_votes(qa_app, monkeypatch):
    phones = [qa_app.test_client() for _ in range(600)]
    first = ask(phones[0], "What is the first question of the hall?")
    assert first.status_code == 201
    qid = first.get_json()["id"]
    for phone in phones:  # within a minute: join and vote
        assert phone.get(f"/api/v1/slots/{SLOT}/questions").status_code == 200
        voted = phone.post(f"/api/v1/questions/{qid}/vote", headers=ORIGIN)
        assert voted.status_code == 200, voted.data
    assert qa_app.test_client().get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"][0]["votes"] == 600
    monkeypatch.setattr(identity, "time", Later(identity.FRESH_SECONDS + 1))  # a minute on: none of them is new
    for n, phone in enumerate(phones[1:]):
        assert ask(phone, f"Question {n} from the hall about the results?").status_code == 201


def test_fresh_identities_piling_votes_on_one_question_are_flagged_and_can_be_discounted(qa_app, make_staff):
    org = make_staff("organizer")
    asker = qa_app.test_client()
    asked = ask(asker, "Is this question being pushed by a script?")
    qid = asked.get_json()["id"]
    for _ in range(25):  # 25 identities minted at machine speed, each voting at once
        assert qa_app.test_client().post(f"/api/v1/questions/{qid}/vote", headers=ORIGIN).status_code == 200
    board = qa_app.test_client().get(f"/api/v1/slots/{SLOT}/questions", headers=org["headers"]).get_json()
    q = next(x for x in board["questions"] if x["id"] == qid)
    assert q["votes"] == 25 and q["fresh_votes"] == 25 and q["vote_pileup"] is True
    public = qa_app.test_client().get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"]
    assert "fresh_votes" not in public[0] and "vote_pileup" not in public[0]
    # Only moderators may discount; then the count is what established identities gave.
    assert qa_app.test_client().post(f"/api/v1/questions/{qid}/discount-fresh", headers=ORIGIN).status_code == 401
    done = qa_app.test_client().post(f"/api/v1/questions/{qid}/discount-fresh", headers=org["headers"])
    assert done.status_code == 200 and done.get_json()["discounted"] == 25 and done.get_json()["votes"] == 0
    board = qa_app.test_client().get(f"/api/v1/slots/{SLOT}/questions", headers=org["headers"]).get_json()
    q = next(x for x in board["questions"] if x["id"] == qid)
    assert q["votes"] == 0 and q["vote_pileup"] is False


def test_an_ordinary_hall_is_not_flagged(qa_app, make_staff, monkeypatch):
    org = make_staff("organizer")
    qid = ask(qa_app.test_client(), "Does an ordinary hall look like a pile-up?").get_json()["id"]
    phones = [qa_app.test_client() for _ in range(20)]
    for phone in phones:
        phone.get(f"/api/v1/slots/{SLOT}/questions")
    monkeypatch.setattr(identity, "time", Later(identity.FRESH_SECONDS + 1))
    real = identity.fresh_vote
    monkeypatch.setattr(
        identity,
        "fresh_vote",
        lambda voter_id, cast_at: real(voter_id, cast_at.fromtimestamp(cast_at.timestamp() + 61)),
    )
    for phone in phones:
        assert phone.post(f"/api/v1/questions/{qid}/vote", headers=ORIGIN).status_code == 200
    board = qa_app.test_client().get(f"/api/v1/slots/{SLOT}/questions", headers=org["headers"]).get_json()
    q = next(x for x in board["questions"] if x["id"] == qid)
    assert q["votes"] == 20 and q["fresh_votes"] == 0 and q["vote_pileup"] is False


def test_sign_in_link_guesses_are_rate_limited(qa_app):
    client = qa_app.test_client()
    statuses = [client.get(f"/login/guess-{n}").status_code for n in range(25)]
    assert statuses[:20] == [404] * 20 and statuses[-1] == 429
    # A real link still works from the same address.
    member = auth.add_staff("Door volunteer", "volunteer")
    link = auth.issue_login_link(member.id)
    assert client.get(link.removeprefix("http://localhost")).status_code == 200


def test_socket_connects_with_bad_tokens_are_rate_limited(qa_app, make_staff):
    for _ in range(auth_limit()):
        assert not socketio.test_client(qa_app, auth={"token": "junk"}).is_connected()
    # The address (none in the test client's handshake) is now over its budget of refused tokens, which HTTP's
    # refused Bearer tokens share; a valid token still connects.
    from eventapp import ratelimit

    assert not ratelimit.test(auth.BAD_TOKEN_LIMIT, "bad-token", "?")
    good = socketio.test_client(qa_app, auth={"token": make_staff("volunteer")["token"]})
    assert good.is_connected()
    good.disconnect()


def auth_limit() -> int:
    return int(auth.BAD_TOKEN_LIMIT.split("/")[0])
