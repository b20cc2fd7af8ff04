"""The Q&A HTTP API: asking, limits and errors, votes exactly once, moderation, mute, export, co-moderators."""

from __future__ import annotations

import csv
import io

import pytest

from eventapp.qa import policy, voter
from tests.qa.conftest import ORIGIN, SLOT, ask, voter_of

XSS = '<script>alert("x")</script> & <img src=x onerror=alert(1)>?'


def test_ask_issues_a_voter_cookie_and_returns_the_question(qa_app, phone):
    p = phone()
    r = ask(p, "  What   data\u200b was used?  ", name="Ada")
    assert r.status_code == 201
    q = r.get_json()
    assert {k: q[k] for k in ("slot_id", "text", "name", "status", "votes", "highlighted", "mine")} == {
        "slot_id": SLOT,
        "text": "What data was used?",
        "name": "Ada",
        "status": "visible",
        "votes": 0,
        "highlighted": False,
        "mine": True,
    }
    cookie = p.get_cookie(voter.COOKIE)
    assert cookie is not None and cookie.http_only
    # Another phone sees it; the asker's second request keeps the same identity.
    listed = phone().get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"]
    assert [x["text"] for x in listed] == ["What data was used?"]
    assert listed[0]["mine"] is False
    before = voter_of(p)
    p.get(f"/api/v1/slots/{SLOT}/questions")
    assert voter_of(p) == before


def test_user_text_is_verbatim_in_json_and_escaped_in_pages(qa_app, phone):
    p = phone()
    assert ask(p, XSS, name="<b>Bob</b>").status_code == 201
    q = phone().get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"][0]
    assert q["text"] == XSS and q["name"] == "<b>Bob</b>"
    page = phone().get(f"/slots/{SLOT}/qa")
    assert page.status_code == 200
    assert b"<script>alert" not in page.data


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "hi"}, 400, "text_too_short"),
        ({"text": "\u200b\u200b  a  \x07"}, 400, "text_too_short"),
        ({"text": "x" * 501}, 400, "text_too_long"),
        ({"text": 42}, 400, "invalid_text"),
        ({"text": "A fine question", "name": "n" * 61}, 400, "name_too_long"),
        ({"text": "A fine question", "origin": "moon"}, 400, "invalid_origin"),
    ],
)
def test_bad_questions_are_refused_with_a_code(qa_app, phone, body, status, code):
    r = phone().post(f"/api/v1/slots/{SLOT}/questions", json=body, headers=ORIGIN)
    assert r.status_code == status
    assert r.get_json()["error"] == code and r.get_json()["message"]


def test_other_errors(qa_app, phone):
    p = phone()
    assert p.post(f"/api/v1/slots/{SLOT}/questions", data="nope", headers=ORIGIN).get_json()["error"] == "invalid_body"
    assert ask(p, slot="no-such-slot").status_code == 404
    r = p.post(
        f"/api/v1/slots/{SLOT}/questions", json={"text": "A question?"}, headers={"Origin": "https://evil.example"}
    )
    assert (r.status_code, r.get_json()["error"]) == (403, "bad_origin")
    assert p.post("/api/v1/questions/999/vote", headers=ORIGIN).status_code == 404
    assert p.get(f"/api/v1/slots/{SLOT}/questions?sort=random").get_json()["error"] == "invalid_sort"


def test_one_question_per_20_seconds_then_five_pending(qa_app, phone, make_staff, monkeypatch):
    p = phone()
    assert ask(p, "First question here").status_code == 201
    r = ask(p, "Second question here")
    assert r.status_code == 429 and r.get_json()["error"] == "too_fast"
    assert 1 <= int(r.headers["Retry-After"]) <= 20
    monkeypatch.setattr(policy, "QUESTION_INTERVAL_SECONDS", 0)
    chair = make_staff("chair", room_ids=["main"])
    qa_app.test_client().patch("/api/v1/sessions/opening/qa", json={"premoderation": True}, headers=chair["headers"])
    for n in range(5):
        assert ask(p, f"Pending question {n}").get_json()["status"] == "pending"
    r = ask(p, "One too many")
    assert (r.status_code, r.get_json()["error"]) == (429, "too_many_pending")
    assert r.headers["Retry-After"]


def test_new_voter_identities_are_limited_per_address_but_a_hall_gets_in(qa_app, phone, monkeypatch):
    assert voter.NEW_VOTERS_PER_MINUTE >= 300
    monkeypatch.setattr(voter, "NEW_VOTERS_PER_MINUTE", 300)  # the smallest limit that still lets a hall in
    for _ in range(300):  # a 300-phone hall behind one NAT, within a minute
        assert phone().get(f"/api/v1/slots/{SLOT}/questions").status_code == 200
    refused = ask(phone())
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    # A read past the limit still works, just without an identity.
    r = phone().get(f"/api/v1/slots/{SLOT}/questions")
    assert r.status_code == 200 and "qa_voter" not in r.headers.get("Set-Cookie", "")


def test_votes_count_once_per_voter_and_repeats_are_idempotent(qa_app, phone):
    qid = ask(phone()).get_json()["id"]
    a, b = phone(), phone()
    for _ in range(3):
        r = a.post(f"/api/v1/questions/{qid}/vote", headers=ORIGIN)
        assert r.status_code == 200 and r.get_json()["votes"] == 1
    assert b.post(f"/api/v1/questions/{qid}/vote", headers=ORIGIN).get_json()["votes"] == 2
    for _ in range(2):
        assert a.delete(f"/api/v1/questions/{qid}/vote", headers=ORIGIN).get_json()["votes"] == 1
    listed = b.get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"][0]
    assert (listed["votes"], listed["voted"]) == (1, True)


def test_pending_and_hidden_questions_cannot_be_voted(qa_app, phone, make_staff):
    chair = make_staff("chair")
    c = qa_app.test_client()
    c.patch("/api/v1/sessions/opening/qa", json={"premoderation": True}, headers=chair["headers"])
    asker = phone()
    q = ask(asker).get_json()
    assert q["status"] == "pending"
    r = phone().post(f"/api/v1/questions/{q['id']}/vote", headers=ORIGIN)
    assert (r.status_code, r.get_json()["error"]) == (409, "not_votable")
    # Others do not see it; the asker sees it in review; moderators see it.
    assert phone().get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"] == []
    assert asker.get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"][0]["status"] == "pending"
    counts = phone().get(f"/api/v1/slots/{SLOT}/questions").get_json()["counts"]
    assert counts == {"visible": 0, "answered": 0, "pending": 1}
    mod = c.get(f"/api/v1/slots/{SLOT}/questions", headers=chair["headers"]).get_json()
    assert mod["moderator"] is True and mod["questions"][0]["voter"]


def test_moderation_permissions(qa_app, phone, make_staff):
    qid = ask(phone()).get_json()["id"]
    c = qa_app.test_client()
    url = f"/api/v1/questions/{qid}"
    assert c.patch(url, json={"status": "hidden"}).status_code == 401
    assert c.patch(url, json={"status": "hidden"}, headers=make_staff("volunteer")["headers"]).status_code == 403
    other_room = make_staff("chair", room_ids=["elsewhere"])["headers"]
    assert c.patch(url, json={"status": "hidden"}, headers=other_room).status_code == 403
    other_session = make_staff("moderator", session_ids=["orals-1"])["headers"]
    assert c.patch(url, json={"status": "hidden"}, headers=other_session).status_code == 403
    own = make_staff("moderator", session_ids=["opening"])["headers"]
    assert c.patch(url, json={"status": "hidden"}, headers=own).get_json()["status"] == "hidden"
    assert c.patch(url, json={"status": "gone"}, headers=own).get_json()["error"] == "invalid_status"
    assert c.patch(url, json={"color": "red"}, headers=own).get_json()["error"] == "invalid_field"
    assert c.patch(url, json={"highlighted": "yes"}, headers=own).get_json()["error"] == "invalid_field"


def test_edit_keeps_the_original_and_only_one_question_is_highlighted(qa_app, phone, make_staff):
    h = make_staff("organizer")["headers"]
    c = qa_app.test_client()
    first = ask(phone(), "How was the data colected?").get_json()["id"]
    second = ask(phone(), "Which baselines did you compare against?").get_json()["id"]
    edited = c.patch(f"/api/v1/questions/{first}", json={"text": "How was the data collected?"}, headers=h).get_json()
    assert edited["text"] == "How was the data collected?"
    assert edited["original_text"] == "How was the data colected?" and edited["edited"]
    assert c.patch(f"/api/v1/questions/{first}", json={"highlighted": True}, headers=h).get_json()["highlighted"]
    c.patch(f"/api/v1/questions/{second}", json={"highlighted": True, "starred": True}, headers=h)
    listed = {q["id"]: q for q in c.get(f"/api/v1/slots/{SLOT}/questions", headers=h).get_json()["questions"]}
    assert (listed[first]["highlighted"], listed[second]["highlighted"], listed[second]["starred"]) == (
        False,
        True,
        True,
    )
    assert "starred" not in phone().get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"][0]
    answered = c.patch(f"/api/v1/questions/{second}", json={"status": "answered"}, headers=h).get_json()
    assert answered["status"] == "answered" and answered["answered_at"]


def test_word_list_flags_into_the_queue(qa_app, phone, make_staff):
    c = qa_app.test_client()
    chair = make_staff("chair")["headers"]
    # Without staff credentials: 401 unauthenticated (not a 401 that says forbidden); another role: 403.
    for method in (c.get, c.put):
        anonymous = method("/api/v1/qa/words", json={"words": ["rubbish"]})
        assert (anonymous.status_code, anonymous.get_json()["error"]) == (401, "unauthenticated")
    assert c.put("/api/v1/qa/words", json={"words": ["rubbish"]}, headers=chair).status_code == 403
    h = make_staff("organizer")["headers"]
    assert c.put("/api/v1/qa/words", json={"words": ["Rubbish"]}, headers=h).get_json() == {"words": ["rubbish"]}
    q = ask(phone(), "Is this result rubbish?").get_json()
    assert q["status"] == "pending"
    mod = c.get(f"/api/v1/slots/{SLOT}/questions", headers=h).get_json()["questions"][0]
    assert mod["flagged"] is True


def test_shadow_mute_hides_questions_and_drops_votes(qa_app, phone, make_staff, monkeypatch):
    monkeypatch.setattr(policy, "QUESTION_INTERVAL_SECONDS", 0)
    h = make_staff("chair")["headers"]
    c = qa_app.test_client()
    troll, fan = phone(), phone()
    troll_q = ask(troll, "Troll question one").get_json()["id"]
    good_q = ask(fan, "A good question here").get_json()["id"]
    troll.post(f"/api/v1/questions/{good_q}/vote", headers=ORIGIN)
    assert c.post(f"/api/v1/questions/{troll_q}/mute", headers=h).get_json()["votes_affected"] == 1
    public = phone().get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"]
    assert [(q["id"], q["votes"]) for q in public] == [(good_q, 0)]
    # The muted voter still sees their own question, and new votes from them count for nothing.
    assert troll_q in [q["id"] for q in troll.get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"]]
    troll.delete(f"/api/v1/questions/{good_q}/vote", headers=ORIGIN)
    troll.post(f"/api/v1/questions/{good_q}/vote", headers=ORIGIN)
    assert phone().get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"][0]["votes"] == 0
    c.delete(f"/api/v1/questions/{troll_q}/mute", headers=h)
    public = phone().get(f"/api/v1/slots/{SLOT}/questions").get_json()["questions"]
    assert {q["id"]: q["votes"] for q in public} == {good_q: 1, troll_q: 0}


def test_closed_board_refuses_questions(qa_app, phone, make_staff):
    c = qa_app.test_client()
    h = make_staff("chair")["headers"]
    assert c.patch(f"/api/v1/slots/{SLOT}/qa", json={"closed": True}, headers=h).get_json()["closed"] is True
    r = ask(phone())
    assert (r.status_code, r.get_json()["error"]) == (409, "board_closed")
    c.patch(f"/api/v1/slots/{SLOT}/qa", json={"closed": False}, headers=h)
    assert ask(phone()).status_code == 201


def test_export_csv_json_and_not_reached(qa_app, phone, make_staff):
    h = make_staff("organizer")["headers"]
    c = qa_app.test_client()
    a = ask(phone(), '=HYPERLINK("http://x") first?').get_json()["id"]
    b = ask(phone(), "Second question, answered").get_json()["id"]
    c.patch(f"/api/v1/questions/{b}", json={"status": "answered"}, headers=h)
    assert c.get("/api/v1/qa/export.csv").status_code == 401
    assert c.get("/api/v1/qa/export.csv", headers=make_staff("chair")["headers"]).status_code == 403
    rows = list(csv.DictReader(io.StringIO(c.get("/api/v1/qa/export.csv", headers=h).get_data(as_text=True))))
    rows = [r for r in rows if r["slot_id"] == SLOT]
    assert [r["id"] for r in rows] == [str(a), str(b)]
    assert rows[0]["text"].startswith("'=")  # no formula in a spreadsheet
    data = c.get(f"/api/v1/qa/export.json?slot_id={SLOT}&only=unanswered", headers=h).get_json()
    assert [q["id"] for q in data["questions"]] == [a]
    chair = make_staff("chair")["headers"]
    assert c.get(f"/api/v1/qa/export.json?slot_id={SLOT}&only=unanswered", headers=chair).status_code == 200
    assert c.get("/api/v1/qa/export.xml", headers=h).get_json()["error"] == "invalid_format"


def test_each_export_format_is_its_own_route_and_answers_as_before(qa_app, phone, make_staff):
    """export.csv has a rule of its own (so that it declares text/csv) and url_for("qa.export", fmt="csv") still
    reaches it; a slot's chair gets that slot's CSV as before."""
    from flask import url_for

    with qa_app.test_request_context():
        assert url_for("qa.export", fmt="csv") == "/api/v1/qa/export.csv"
    adapter = qa_app.url_map.bind("localhost")
    assert adapter.match("/api/v1/qa/export.csv")[0] == "qa.export_csv"
    assert adapter.match("/api/v1/qa/export.json") == ("qa.export", {"fmt": "json"})
    a = ask(phone(), "Which talk is this for?").get_json()["id"]
    c = qa_app.test_client()
    chair = make_staff("chair", room_ids=["main"])["headers"]
    r = c.get(f"/api/v1/qa/export.csv?slot_id={SLOT}", headers=chair)
    assert (r.status_code, r.mimetype) == (200, "text/csv")
    assert r.headers["Content-Disposition"] == f'attachment; filename="questions-{SLOT}.csv"'
    assert [row["id"] for row in csv.DictReader(io.StringIO(r.get_data(as_text=True)))] == [str(a)]
    assert c.get(f"/api/v1/qa/export.csv?slot_id={SLOT}").status_code == 401


def test_co_moderator_link_moderates_one_session_and_is_revocable(qa_app, phone, make_staff):
    c = qa_app.test_client()
    chair = make_staff("chair", room_ids=["main"])["headers"]
    assert (
        c.post(
            "/api/v1/sessions/opening/moderators", json={"name": "Co"}, headers=make_staff("volunteer")["headers"]
        ).status_code
        == 403
    )
    made = c.post("/api/v1/sessions/opening/moderators", json={"name": "Co-moderator"}, headers=chair)
    assert made.status_code == 201 and "/login/" in made.get_json()["login_url"]
    mod_id = made.get_json()["id"]
    assert [m["id"] for m in c.get("/api/v1/sessions/opening/moderators", headers=chair).get_json()["moderators"]] == [
        mod_id
    ]
    from eventapp import auth

    token = auth.issue_api_token(mod_id)
    mh = {"Authorization": f"Bearer {token}"}
    qid = ask(phone()).get_json()["id"]
    assert c.patch(f"/api/v1/questions/{qid}", json={"starred": True}, headers=mh).status_code == 200
    other = ask(phone(), slot="talk-L1").get_json()["id"]
    assert c.patch(f"/api/v1/questions/{other}", json={"starred": True}, headers=mh).status_code == 403
    assert c.delete(f"/api/v1/sessions/opening/moderators/{mod_id}", headers=chair).get_json()["revoked"]
    assert c.patch(f"/api/v1/questions/{qid}", json={"starred": False}, headers=mh).status_code == 401


def test_near_duplicate_hints_for_the_audience_and_moderators(qa_app, phone, make_staff, monkeypatch):
    first = ask(phone(), "How does the model handle missing data?").get_json()["id"]
    second = ask(phone(), "How do you handle missing data in the model?").get_json()["id"]
    ask(phone(), "Which hospital provided the images?")
    hint = phone().get(f"/api/v1/slots/{SLOT}/similar?text=handling+missing+data+model").get_json()["questions"]
    assert {q["id"] for q in hint} == {first, second}
    h = make_staff("organizer")["headers"]
    mod = {
        q["id"]: q
        for q in qa_app.test_client().get(f"/api/v1/slots/{SLOT}/questions", headers=h).get_json()["questions"]
    }
    assert mod[first]["similar_to"] == [second]
    recent = phone().get(f"/api/v1/slots/{SLOT}/questions?sort=recent").get_json()["questions"]
    assert recent[-1]["id"] == first
