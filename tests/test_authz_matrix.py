"""Who may do what, written once as data and checked against the same walk of app.url_map the fuzz suite makes.

For each route: the roles that get past the role check (any answer but 401/403 or the sign-in redirect); every
other role is refused. A bad or revoked token on a public route is either refused (401) or treated as nobody.
A route missing from MATRIX is still held to the rule that nobody without credentials writes to `/api/`, and is
named in the output so that its line can be added here. The same data is the "who sees what" table of
docs/security.md.
"""

from __future__ import annotations

import itertools

import pytest

from tests.test_fuzz import ORIGIN, ROLES, Target

STAFF = frozenset({"organizer", "chair", "chair_elsewhere", "moderator", "volunteer"})
ALL = frozenset(ROLES)
ORG = frozenset({"organizer"})
CHAIRS = frozenset({"organizer", "chair", "chair_elsewhere"})
MAIN_CHAIR = frozenset({"organizer", "chair"})
MODERATES_OPENING = frozenset({"organizer", "chair", "moderator"})  # question 1 is on keynote-1, session "opening"
DOOR = frozenset({"organizer", "volunteer"})
NO_CREDENTIALS = ("none", "audience", "bad_token", "revoked")
_ids = itertools.count(1)

# (endpoint, method) -> (roles allowed, path arguments, JSON body)
MATRIX: dict[tuple[str, str], tuple[frozenset[str], dict, object]] = {
    ("auth.login_page", "GET"): (ALL, {"token": "not-a-link"}, None),
    ("auth.login", "POST"): (ALL, {"token": "not-a-link"}, None),
    ("auth.logout", "POST"): (ALL, {}, None),
    ("auth.signin_help", "GET"): (ALL, {}, None),
    ("auth.staff_home", "GET"): (STAFF, {}, None),
    ("auth.pair_device", "POST"): (STAFF, {}, None),
    ("auth.staff_accounts", "GET"): (ORG, {}, None),
    ("auth.me", "GET"): (STAFF, {}, None),
    ("ops.healthz", "GET"): (ALL, {}, None),
    ("ops.prometheus_metrics", "GET"): (ALL, {}, None),
    ("program.landing", "GET"): (ALL, {}, None),
    ("program.program_page", "GET"): (ALL, {}, None),
    ("program.room_page", "GET"): (ALL, {"room_id": "main"}, None),
    ("program.program_api", "GET"): (ALL, {}, None),
    ("checkin.checkin_api", "POST"): (DOOR, {}, {"code": "ZZZZZZZZ", "nonce": "matrix"}),
    ("checkin.undo_api", "POST"): (ORG, {"checkin_id": 999}, {"reason": "matrix"}),
    ("checkin.coverage_api", "GET"): (CHAIRS, {}, None),
    ("checkin.excuse_api", "PUT"): (ORG, {"paper_id": "L1"}, {"reason": "matrix"}),
    ("checkin.unexcuse_api", "DELETE"): (ORG, {"paper_id": "L1"}, {"reason": "matrix"}),
    ("checkin.coverage_csv", "GET"): (ORG, {}, None),
    ("checkin.attendance_csv", "GET"): (ORG, {}, None),
    ("checkin.badges_csv", "GET"): (ORG, {}, None),
    ("checkin.badge_svg", "GET"): (ORG, {"person_id": 1}, None),
    ("checkin.reissue_api", "POST"): (ORG, {"person_id": 999999}, {"reason": "matrix"}),
    ("checkin.walkin_api", "POST"): (ORG, {}, {"name": "Matrix walk-in", "check_in": False}),
    ("checkin.roster_api", "GET"): (DOOR, {}, None),
    ("checkin.search_api", "GET"): (DOOR, {}, None),
    ("checkin.log_api", "GET"): (ORG, {}, None),
    ("checkin.scanner", "GET"): (DOOR, {}, None),
    ("checkin.service_worker", "GET"): (ALL, {}, None),
    ("checkin.board", "GET"): (CHAIRS, {}, None),
    ("checkin.desk", "GET"): (ORG, {}, None),
    ("checkin.badge_sheet", "GET"): (ORG, {}, None),
    ("checkin.badge_page", "GET"): (ORG, {"person_id": 1}, None),
    ("qa.list_questions", "GET"): (ALL, {"slot_id": "keynote-2"}, None),
    ("qa.ask", "POST"): (ALL, {"slot_id": "keynote-2"}, {"text": "A question from the matrix?"}),
    ("qa.similar", "GET"): (ALL, {"slot_id": "keynote-2"}, None),
    ("qa.upvote", "POST"): (ALL, {"question_id": 1}, None),
    ("qa.unvote", "DELETE"): (ALL, {"question_id": 1}, None),
    ("qa.room_current", "GET"): (ALL, {"room_id": "main"}, None),
    ("qa.moderate", "PATCH"): (MODERATES_OPENING, {"question_id": 1}, {"highlighted": False}),
    ("qa.mute", "POST"): (MODERATES_OPENING, {"question_id": 1}, None),
    ("qa.unmute", "DELETE"): (MODERATES_OPENING, {"question_id": 1}, None),
    ("qa.discount_fresh", "POST"): (MODERATES_OPENING, {"question_id": 1}, None),
    ("qa.session_settings", "PATCH"): (MODERATES_OPENING, {"session_id": "opening"}, {"premoderation": False}),
    ("qa.board_settings", "PATCH"): (MODERATES_OPENING, {"slot_id": "keynote-1"}, {"closed": False}),
    ("qa.get_words", "GET"): (CHAIRS | {"moderator"}, {}, None),
    ("qa.put_words", "PUT"): (ORG, {}, {"words": []}),
    ("qa.moderators", "GET"): (MAIN_CHAIR, {"session_id": "opening"}, None),
    ("qa.add_moderator", "POST"): (MAIN_CHAIR, {"session_id": "opening"}, {"name": "Matrix co-moderator"}),
    ("qa.remove_moderator", "DELETE"): (MAIN_CHAIR, {"session_id": "opening", "staff_id": 999999}, None),
    ("qa.export", "GET"): (ORG, {"fmt": "json"}, None),
    ("qa.export_csv", "GET"): (ORG, {}, None),
    ("qa.room_board", "GET"): (ALL, {"room_id": "main"}, None),
    ("qa.slot_board", "GET"): (ALL, {"slot_id": "keynote-2"}, None),
    ("qa.screen", "GET"): (ALL, {"room_id": "main"}, None),
    ("qa.console", "GET"): (MODERATES_OPENING, {"session_id": "opening"}, None),
    ("qa.console_index", "GET"): (STAFF, {}, None),
    ("timer.timer_get", "GET"): (ALL, {"room_id": "main"}, None),
    ("timer.timer_post", "POST"): (MAIN_CHAIR, {"room_id": "main"}, {"action": "pause", "command_id": None}),
    ("timer.timer_log", "GET"): (ALL, {"room_id": "main"}, None),
    ("timer.chair_index", "GET"): (MAIN_CHAIR, {}, None),
    ("timer.chair", "GET"): (MAIN_CHAIR, {"room_id": "main"}, None),
    ("timer.stage", "GET"): (ALL, {"room_id": "main"}, None),
    ("timer.speaker", "GET"): (ALL, {"room_id": "main"}, None),
    ("timer.remote", "GET"): (ALL, {"room_id": "main"}, None),
    ("checkin.decoder_worker", "GET"): (ALL, {}, None),
    ("report.report_api", "GET"): (CHAIRS, {}, None),
    ("report.override_api", "PUT"): (ORG, {"paper_id": "L1"}, {"status": None, "reason": "matrix"}),
    ("report.certificate_api", "GET"): (ORG, {"person_id": 1}, None),
    ("report.page", "GET"): (CHAIRS, {}, None),
    ("report.fragment", "GET"): (CHAIRS, {}, None),
    ("tls.ca_certificate", "GET"): (ALL, {"form": "pem"}, None),
    ("tls.door_phone", "GET"): (STAFF, {}, None),
}


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    t = Target(tmp_path_factory.mktemp("matrix"))
    yield t
    t.close()


def refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/signin" in response.headers.get("Location", "")


def send(target: Target, role: str, rule, method: str, args: dict, body: object):
    from flask import url_for

    with target.app.test_request_context():
        path = url_for(rule.endpoint, **args) if args or not rule.arguments else rule.rule
    if isinstance(body, dict) and "command_id" in body:
        body = {**body, "command_id": f"matrix-{next(_ids)}"}
    kwargs = {"headers": target.headers(role, {"Origin": ORIGIN})}
    if body is not None:
        kwargs["json"] = body
    return target.clients[role].open(path, method=method, **kwargs)


def test_every_role_gets_exactly_what_the_matrix_allows(target):
    problems, undeclared = [], []
    for rule, method in target.routes:
        entry = MATRIX.get((rule.endpoint, method))
        if entry is None:
            undeclared.append(f"{method} {rule.rule}")
            allowed, args, body = None, {a: 1 for a in rule.arguments}, None
        else:
            allowed, args, body = entry
        for role in ROLES:
            response = send(target, role, rule, method, args, body)
            where = f"{method} {rule.rule} as {role}: {response.status_code} {response.data[:120]!r}"
            if response.status_code >= 500:
                problems.append(where)
            elif allowed is None:
                # Undeclared: nobody without credentials writes to the API.
                if (
                    role in NO_CREDENTIALS
                    and method != "GET"
                    and rule.rule.startswith("/api/")
                    and response.status_code < 300
                ):
                    problems.append(f"undeclared route accepts a write without credentials: {where}")
            elif role in ("bad_token", "revoked"):
                # A dead token is refused (401; 429 once the address has sent too many) or ignored on public routes.
                if not (refused(response) or response.status_code == 429) and "none" not in allowed:
                    problems.append(f"should be refused: {where}")
            elif role in allowed and refused(response):
                problems.append(f"should be allowed: {where}")
            elif role not in allowed and not refused(response):
                problems.append(f"should be refused: {where}")
    assert not problems, "\n".join(problems)
    assert not undeclared, f"routes without a line in MATRIX (add them): {undeclared}"


def test_the_matrix_names_only_routes_that_exist(target):
    existing = {(rule.endpoint, method) for rule, method in target.routes}
    assert set(MATRIX) <= existing, sorted(set(MATRIX) - existing)


# Socket channels: who may follow each (the snapshot is what they then see; a chair of other rooms follows
# `coverage` filtered to their rooms, see test_least_data.py). Sockets with a bad or revoked token never connect.
CHANNELS: dict[str, frozenset[str]] = {
    "program": ALL,
    "timer:main": ALL,
    "qa:keynote-2": ALL,
    "qa-stage:main": ALL,
    "qa-mod:keynote-1": MODERATES_OPENING,
    "coverage": CHAIRS,
    "coverage-room:main": MAIN_CHAIR,
}


def test_every_role_follows_exactly_the_channels_the_matrix_allows(target):
    from eventapp.realtime import _channels

    missing = set(_channels) - {name.partition(":")[0] for name in CHANNELS}
    assert not missing, f"channels without a line in CHANNELS (add them): {sorted(missing)}"
    problems = []
    for role in ROLES:
        if role in ("bad_token", "revoked"):
            continue
        sock = target.socket(role)
        for channel, allowed in CHANNELS.items():
            ack = sock.emit("subscribe", {"channel": channel}, callback=True)
            if ack["ok"] != (role in allowed):
                problems.append(f"{channel} as {role}: {ack}")
            if ack["ok"]:
                sock.emit("unsubscribe", {"channel": channel}, callback=True)
        sock.get_received()
    assert not problems, "\n".join(problems)


def test_the_security_page_names_every_channel_and_public_api_route():
    """docs/security.md's "who sees what" tables follow this file's data."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[1].joinpath("docs", "security.md").read_text()
    shape = re.compile(r"<[^>]*>")
    written = {shape.sub("<>", m) for m in re.findall(r"`(?:[A-Z]+ )?(/[^` ]*)`", doc)}
    written |= {shape.sub("<>", m) for m in re.findall(r"`([a-z-]+(?::<[a-z_]+>)?)`", doc)}
    for channel in CHANNELS:
        prefix, sep, _ = channel.partition(":")
        assert (f"{prefix}:<>" if sep else prefix) in written, f"channel {channel} is not in docs/security.md"
    public_api = {(endpoint, method) for (endpoint, method), (allowed, _a, _b) in MATRIX.items() if allowed == ALL}
    from eventapp import create_app

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "SOCKET_ASYNC_MODE": "threading"}
    )
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and any((rule.endpoint, m) in public_api for m in rule.methods):
            assert shape.sub("<>", rule.rule) in written, f"public route {rule.rule} is not in docs/security.md"
