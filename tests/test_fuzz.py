"""Hostile input, generated (issue #12): every route of app.url_map and every registered socket event, for every
role, with generated bodies, headers, path parameters, query strings and socket payloads.

Nothing may answer 500; every API error is `{"error", "message"}` JSON; every socket event is acknowledged; the
server answers normally afterwards. A route or event added later is walked without editing this file (only the
authorization matrix at the end asks for a line of data per route, and routes without one are still held to the
rule that nobody without credentials writes).

Runs a fixed seed, then a random one (FUZZ_SEED=<n> replays a run; the seed is printed on failure). Budget: at
least 5,000 HTTP requests and 1,000 socket events per run, in-process (the Flask and Flask-SocketIO test clients).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from eventapp import auth, create_app, db, features
from eventapp.realtime import socketio
from tests.conftest import test_config as make_config

from tests_support import DEMO_DAY

FIXED_SEED = 20241204
HTTP_PER_RUN = 2_520  # two runs (fixed seed, random seed): 5,040 requests
SOCKET_PER_RUN = 520  # two runs: 1,040 socket events
BATCH = 20  # requests per generated example: fewer, larger examples keep Hypothesis's own cost small

ROLES = ("none", "audience", "bad_token", "revoked", "organizer", "chair", "chair_elsewhere", "moderator", "volunteer")
STAFF_ROLES = {
    "organizer": ("organizer", {}),
    "chair": ("chair", {"room_ids": ["main"]}),
    "chair_elsewhere": ("chair", {"room_ids": ["annex"]}),
    "moderator": ("moderator", {"session_ids": ["opening"]}),
    "volunteer": ("volunteer", {}),
}
ORIGIN = "http://localhost"

# Known ids of the demo day, so generated requests reach past "not found" into the services.
KNOWN = {
    "int": [1, 2, 3, 4, 5, 6],
    "str": [
        "main",
        "annex",
        "keynote-1",
        "keynote-2",
        "talk-L1",
        "talk-S8",
        "L1",
        "S6",
        "opening",
        "orals-1",
        "csv",
        "json",
        "x",
    ],
}
NASTY_TEXT = [
    "",
    " ",
    "\ud800",
    "a\x00b",
    "\u202eevil",
    "\u2066x\u2069",
    "x" * 5000,
    "<script>",
    "../../etc/passwd",
    "%00",
    "null",
    "1e999",
    "NaN",
    "😀" * 50,
    "\ufeff",
    "=cmd|' /C calc'!A0",
    "DROP TABLE staff;--",
]
KEYS = [
    "text",
    "name",
    "origin",
    "reason",
    "code",
    "nonce",
    "person_id",
    "device",
    "scanned_at",
    "offline",
    "action",
    "command_id",
    "seconds",
    "flash",
    "expected_revision",
    "status",
    "highlighted",
    "starred",
    "words",
    "premoderation",
    "closed",
    "affiliation",
    "attendance",
    "check_in",
    "channel",
    "question_id",
    "slot_id",
    "room_id",
    "up",
    "t0",
    "staff_id",
    "q",
    "sort",
    "only",
    "kind",
]
VALUES_BY_KEY = {
    "action": [
        "start",
        "pause",
        "resume",
        "next",
        "previous",
        "qa",
        "adjust",
        "reset",
        "undo",
        "message",
        "clear_message",
        "bogus",
    ],
    "status": ["pending", "visible", "answered", "hidden", "x"],
    "channel": [
        "timer:main",
        "qa:keynote-2",
        "qa-mod:keynote-2",
        "coverage",
        "coverage-room:main",
        "program",
        "qa-stage:main",
        "staff:1",
        "timer:",
        "nope",
    ],
    "origin": ["room", "online", "moon"],
}

text = st.one_of(
    st.sampled_from(NASTY_TEXT + KNOWN["str"]),
    st.text(max_size=30),
    st.text(st.characters(exclude_categories=()), max_size=12),
)
number = st.one_of(
    st.sampled_from(KNOWN["int"]),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.sampled_from([0, -1, 2**63, 2**63 - 1, 2**64, 10**30, 1e308, True, False]),
)
leaf = st.one_of(st.none(), st.booleans(), number, text)
# What a URL can carry (a lone surrogate cannot be percent-encoded as UTF-8: the client would fail, not the app).
url_text = text.map(lambda s: s.encode("utf-8", "replace").decode())
json_value = st.recursive(
    leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=10
)


@st.composite
def shaped_object(draw) -> dict[str, Any]:
    """An object with the field names our endpoints read, holding plausible or hostile values."""
    out: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True)):
        choices = VALUES_BY_KEY.get(key)
        out[key] = draw(st.sampled_from(choices) if choices and draw(st.booleans()) else json_value)
    return out


raw_body = st.one_of(
    st.just(None),
    shaped_object(),
    json_value,
    st.sampled_from(
        ["[" * 50_000, "{" * 3000, '{"a":' * 2000, "\x00\xff garbage", "[]", '"s"', "123", "{", "nul\x00l"]
    ).map(str.encode),
    st.binary(max_size=64),
)
content_type = st.sampled_from(
    [
        "application/json",
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "",
    ]
)


# --- the app under fire ----------------------------------------------------------------------------------------


class Target:
    """One demo app, a client per role, the routes to walk, and tallies."""

    def __init__(self, workdir: Path):
        self.app = create_app(make_config(workdir))
        db.create_all_for_tests(self.app.extensions[db.ENGINE_KEY])
        self.ctx = self.app.app_context()
        self.ctx.push()
        with db.session_scope() as s:
            for module in features.import_modules("demo"):
                module.seed(s, DEMO_DAY)
        self.tokens: dict[str, str | None] = {"none": None, "audience": None, "bad_token": "junk-" + "x" * 40}
        for role in STAFF_ROLES:
            self.new_member(role)
        gone = auth.add_staff("Fuzz revoked", "organizer")
        self.tokens["revoked"] = auth.issue_api_token(gone.id)
        auth.revoke_staff(gone.id)
        self.clients = {role: self.app.test_client() for role in ROLES}
        self.clients["audience"].get("/api/v1/slots/keynote-2/questions")  # the voter cookie
        self.routes = [
            (rule, method)
            for rule in self.app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ]
        self.events = sorted(e for e in socketio.server.handlers["/"] if e not in ("connect", "disconnect"))
        self.sockets: dict[str, Any] = {}
        self.statuses: Counter[int] = Counter()
        self.seconds: Counter[str] = Counter()  # wall time per endpoint, printed: where a slow route shows up
        self.acks = 0

    def new_member(self, role: str) -> None:
        kind, scope = STAFF_ROLES[role]
        member = auth.add_staff(f"Fuzz {role}", kind, **scope)
        self.tokens[role] = auth.issue_api_token(member.id, label=role)

    def close(self) -> None:
        for sock in self.sockets.values():
            if sock.is_connected():
                sock.disconnect()
        self.ctx.pop()
        self.app.extensions[db.ENGINE_KEY].dispose()

    def headers(self, role: str, extra: dict[str, str]) -> dict[str, str]:
        token = self.tokens[role]
        out = {"Authorization": f"Bearer {token}"} if token else {}
        out.update(extra)
        return out

    def socket(self, role: str):
        sock = self.sockets.get(role)
        if sock is None or not sock.is_connected():
            token = self.tokens[role]
            sock = socketio.test_client(
                self.app, auth={"token": token} if token else None, flask_test_client=self.clients[role]
            )
            if not sock.is_connected():
                # Refused only when the walk itself ended this account (an organizer removing a co-moderator).
                assert token and auth.principal_for_token(token) is None, f"{role} socket refused"
                self.new_member(role)
                return self.socket(role)
            self.sockets[role] = sock
        return sock


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    t = Target(tmp_path_factory.mktemp("fuzz"))
    yield t
    t.close()


def path_for(rule, draw) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if type(converter).__name__ in ("IdConverter", "IntegerConverter"):
            values[name] = draw(st.one_of(st.sampled_from(KNOWN["int"]), st.integers(0, 2**70)))
        elif type(converter).__name__ == "PathConverter":
            values[name] = draw(st.sampled_from(["css/app.css", "../secret", "x"]))
        else:
            values[name] = draw(st.one_of(st.sampled_from(KNOWN["str"]), url_text.filter(lambda s: "/" not in s)))
    path = rule.rule
    for name, value in values.items():
        for prefix in ("int:", "path:", ""):
            path = path.replace(f"<{prefix}{name}>", quote(str(value), safe="/" if prefix == "path:" else ""))
    return path


def check_response(response, method: str, path: str, role: str) -> None:
    where = f"{method} {path!r} as {role}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.data[:300]!r}"
    if response.status_code >= 400 and (path.startswith("/api/") or response.mimetype == "application/json"):
        body = response.get_json(silent=True)
        assert isinstance(body, dict), f"{where}: error is not JSON: {response.data[:200]!r}"
        assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str), f"{where}: {body}"


def http_walk(target: Target, data) -> None:
    for _ in range(BATCH):
        rule, method = data.draw(st.sampled_from(target.routes))
        role = data.draw(st.sampled_from(ROLES))
        path = path_for(rule, data.draw)
        query = (
            data.draw(st.dictionaries(st.sampled_from(KEYS), url_text, max_size=2)) if data.draw(st.booleans()) else {}
        )
        body = data.draw(raw_body)
        extra: dict[str, str] = {}
        if data.draw(st.booleans()):
            extra["Origin"] = data.draw(st.sampled_from([ORIGIN, "http://evil.example", "null"]))
        kwargs: dict[str, Any] = {"headers": target.headers(role, extra), "query_string": query}
        if body is not None and method != "GET":
            kwargs["content_type"] = data.draw(content_type)
            kwargs["data"] = body if isinstance(body, bytes) else json.dumps(body)
        began = time.perf_counter()
        try:
            response = target.clients[role].open(path, method=method, **kwargs)
        except Exception as exc:  # the test client raises what the app did not handle
            raise AssertionError(f"{method} {path!r} as {role} raised {exc!r}") from exc
        target.statuses[response.status_code] += 1
        target.seconds[rule.endpoint] += time.perf_counter() - began
        check_response(response, method, path, role)


def socket_walk(target: Target, data) -> None:
    for _ in range(BATCH):
        role = data.draw(st.sampled_from([r for r in ROLES if r not in ("bad_token", "revoked")]))
        event = data.draw(st.sampled_from(target.events))
        payload = data.draw(st.one_of(shaped_object(), json_value))
        sock = target.socket(role)
        ack = sock.emit(event, payload, callback=True)
        where = f"socket {event} {payload!r:.200} as {role}"
        assert isinstance(ack, dict), f"{where}: no acknowledgement ({ack!r})"
        if "ok" in ack:
            assert ack["ok"] is True or (isinstance(ack.get("error"), str) and isinstance(ack.get("message"), str)), (
                f"{where}: {ack}"
            )
            assert ack.get("error") != "internal_error", f"{where}: {ack}"
        else:
            assert event == "time_sync" and "server_ms" in ack, f"{where}: {ack}"
        target.acks += 1
        sock.get_received()  # drain pushes


def run(target: Target, walk, examples: int, run_seed: int) -> None:
    @seed(run_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        print_blob=True,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def walked(data):
        walk(target, data)

    try:
        walked()
    except Exception as exc:
        raise AssertionError(f"fuzz run with seed {run_seed} failed (replay: FUZZ_SEED={run_seed}): {exc}") from exc


def seeds() -> list[int]:
    chosen = os.environ.get("FUZZ_SEED")
    return [FIXED_SEED, int(chosen) if chosen else random.SystemRandom().randrange(2**32)]


def test_no_request_from_any_role_gets_a_500(target):
    started = time.monotonic()
    for run_seed in seeds():
        run(target, http_walk, HTTP_PER_RUN // BATCH, run_seed)
    total = sum(target.statuses.values())
    assert total >= 5_000, total
    # Healthy afterwards: the usual answers to the usual requests.
    client = target.app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/program").status_code == 200
    print(f"{total} requests in {time.monotonic() - started:.1f} s: {dict(sorted(target.statuses.items()))}")
    print("slowest endpoints (s):", [(k, round(v, 1)) for k, v in target.seconds.most_common(8)])


def test_every_socket_event_from_any_role_is_acknowledged(target):
    started = time.monotonic()
    for role in ("bad_token", "revoked"):  # refused at connect, never a staff socket
        refused = socketio.test_client(target.app, auth={"token": target.tokens[role]})
        assert not refused.is_connected()
    for run_seed in seeds():
        run(target, socket_walk, SOCKET_PER_RUN // BATCH, run_seed)
    assert target.acks >= 1_000, target.acks
    assert isinstance(target.socket("none").emit("time_sync", {"t0": 1}, callback=True)["server_ms"], float)
    print(f"{target.acks} socket events in {time.monotonic() - started:.1f} s")
