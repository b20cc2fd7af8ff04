"""The rules checked at the edge (checkin/schemas.py) keep their codes and messages; what check-in tells others
(coverage_changed) and the CSV guard every export shares."""

import uuid

import pytest
from checkin_helpers import author_id, code_of

from eventapp.csvexport import safe_cell, safe_dict, safe_row
from eventapp.signals import coverage_changed


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({}, "invalid_name", "A name needs 1 to 200 characters."),
        ({"name": "   "}, "invalid_name", "A name needs 1 to 200 characters."),
        ({"name": "x" * 201}, "invalid_name", "A name needs 1 to 200 characters."),
        (
            {"name": "Ada", "affiliation": "y" * 301},
            "invalid_affiliation",
            "The affiliation is text of at most 300 characters.",
        ),
        (
            {"name": "Ada", "attendance": "sometimes"},
            "invalid_attendance",
            "attendance is one of in_person, online, none.",
        ),
    ],
)
def test_a_walkin_is_refused_with_its_code_and_message(client, organizer, body, code, message):
    r = client.post("/api/v1/checkin/walkins", json=body, headers=organizer["headers"])
    assert r.status_code == 400 and r.json == {"error": code, "message": message}


def test_a_walkin_with_defaults_is_in_person_and_checked_in_unless_told(client, organizer):
    r = client.post(
        "/api/v1/checkin/walkins", json={"name": "  Ada  ", "affiliation": ""}, headers=organizer["headers"]
    )
    assert r.status_code == 201 and r.json["badge"]["name"] == "Ada" and r.json["badge"]["attendance"] == "in_person"
    assert r.json["checkin"]["result"] == "ok"
    r = client.post("/api/v1/checkin/walkins", json={"name": "Bo", "check_in": False}, headers=organizer["headers"])
    assert r.status_code == 201 and "checkin" not in r.json


@pytest.mark.parametrize(
    ("reason", "code"),
    [(None, "reason_required"), ("   ", "reason_required"), ("r" * 501, "reason_too_long")],
)
def test_acts_need_a_reason_of_at_most_500_characters(client, organizer, reason, code):
    body = {} if reason is None else {"reason": reason}
    for method, url in [
        ("put", "/api/v1/coverage/L1/excuse"),
        ("post", "/api/v1/badges/1/reissue"),
        ("post", "/api/v1/checkins/1/undo"),
    ]:
        r = getattr(client, method)(url, json=body, headers=organizer["headers"])
        assert r.status_code == 400 and r.json["error"] == code, (url, r.json)


def test_taking_an_excuse_back_needs_no_reason_nor_body(client, organizer):
    h = organizer["headers"]
    assert client.put("/api/v1/coverage/L1/excuse", json={"reason": "ill"}, headers=h).status_code == 200
    assert client.delete("/api/v1/coverage/L1/excuse", headers=h).status_code == 200
    r = client.delete("/api/v1/coverage/L1/excuse", headers=h)
    assert r.status_code == 404 and r.json["error"] == "not_excused"


def test_a_scan_without_code_is_code_missing_before_its_time_is_read(client, volunteer):
    r = client.post("/api/v1/checkins", json={"nonce": "n", "scanned_at": "yesterday"}, headers=volunteer["headers"])
    assert r.status_code == 400 and r.json["error"] == "code_missing"
    r = client.post(
        "/api/v1/checkins", json={"nonce": "n", "code": "x", "scanned_at": True}, headers=volunteer["headers"]
    )
    assert r.status_code == 400 and r.json["error"] == "invalid_scanned_at"


def test_a_check_in_tells_coverage_changed_with_the_changed_entries(client, volunteer):
    heard = []

    def receiver(_sender, **kwargs):
        heard.append(kwargs["entries"])

    coverage_changed.connect(receiver)
    try:
        pid = author_id("L4", 3)
        r = client.post(
            "/api/v1/checkins", json={"code": code_of(pid), "nonce": uuid.uuid4().hex}, headers=volunteer["headers"]
        )
        assert r.status_code == 201
    finally:
        coverage_changed.disconnect(receiver)
    assert heard and "L4" in {e["paper_id"] for e in heard[-1]}


def test_a_failing_receiver_never_fails_the_check_in(client, volunteer):
    def broken(_sender, **_kwargs):
        raise RuntimeError("a follower's bug")

    coverage_changed.connect(broken)
    try:
        r = client.post(
            "/api/v1/checkins",
            json={"code": code_of(author_id("L1", 0)), "nonce": uuid.uuid4().hex},
            headers=volunteer["headers"],
        )
    finally:
        coverage_changed.disconnect(broken)
    assert r.status_code == 201


def test_every_csv_cell_that_looks_like_a_formula_is_text():
    assert [safe_cell(v) for v in ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "", "ok", 5, None]] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@x",
        "'\tx",
        "'\rx",
        "",
        "ok",
        5,
        None,
    ]
    assert safe_row(["=A1", "b"]) == ["'=A1", "b"] and safe_dict({"a": "@b"}) == {"a": "'@b"}


def test_names_typed_at_the_desk_reach_the_csv_exports_as_text(client, organizer):
    h = organizer["headers"]
    assert client.post("/api/v1/checkin/walkins", json={"name": "=HYPERLINK(1)"}, headers=h).status_code == 201
    for url in ("/api/v1/badges.csv", "/api/v1/attendance.csv"):
        text = client.get(url, headers=h).get_data(as_text=True)
        assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text, url
