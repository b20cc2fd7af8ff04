"""Partial failures with real processes, as a venue has them: the queue (Redis) stopped under two servers, a
PostgreSQL restart, a SQLite disk that fills up. Each service here is the test's own (tests/outage_support.py)."""

from __future__ import annotations

import csv
import io
import signal
import sqlite3
import threading
import time
import uuid

import pytest
import requests

from outage_support import OwnPostgres, OwnRedis, Phone, SmallDisk
from tests_support import LiveServer

pytestmark = pytest.mark.e2e

SLOT = "keynote-2"
OUTAGE_SECONDS = 10.0
CONVERGE_SECONDS = 2.0


def bearer(staff: dict) -> dict:
    return {"Authorization": f"Bearer {staff['token']}"}


@pytest.fixture
def two_servers_own_redis(tmp_path, postgres_url):
    """Servers A and B on one PostgreSQL database and a Redis of this test's own (which it stops)."""
    redis = OwnRedis(tmp_path / "redis")
    redis.start()
    env = {
        "EVENTAPP_DATABASE_URL": postgres_url,
        "EVENTAPP_MESSAGE_QUEUE": redis.url,
        "EVENTAPP_MESSAGE_QUEUE_CHANNEL": f"outage-{uuid.uuid4().hex[:8]}",
        "EVENTAPP_SECRET_KEY": "outage-secret",
    }
    a = LiveServer(tmp_path / "a", env)
    b = LiveServer(tmp_path / "b", env)
    for server in (a, b):
        server.workdir.mkdir()
        server.env["EVENTAPP_EXTRA_ORIGINS"] = f"{a.url},{b.url}"
    a.load_demo()
    a.start()
    b.start()
    yield a, b, redis
    a.stop()
    b.stop()
    redis.stop()


def test_the_day_goes_on_through_a_queue_outage_and_every_screen_converges(two_servers_own_redis):
    a, b, redis = two_servers_own_redis
    servers = (a, b)
    chair = a.staff("chair", "--room", "main")
    phones = [Phone(a.url), Phone(b.url)]
    voters = []
    try:
        initial = [p.subscribe("timer:main")["revision"] for p in phones]
        board_phone = phones[1]  # on B: a question asked on A during the outage must reach it after
        board_phone.subscribe(f"qa:{SLOT}")
        for i in range(6):  # audience phones with their voter cookies, three per server
            s = requests.Session()
            s.get(f"{servers[i % 2].url}/slots/{SLOT}/qa", timeout=10).raise_for_status()
            voters.append((s, servers[i % 2]))
        asked = requests.post(
            f"{a.url}/api/v1/slots/{SLOT}/questions",
            json={"text": "Before the outage?"},
            headers={"Origin": a.url},
            timeout=10,
        )
        assert asked.status_code == 201, asked.text
        qid = asked.json()["id"]

        answers: list[tuple[str, int, str]] = []
        actions = ["start", "pause", "resume", "pause", "resume", "next"]
        redis.stop()
        outage_started = time.monotonic()
        step = 0
        healths = []
        local_seen: list[bool] = []
        during_question = None
        while time.monotonic() - outage_started < OUTAGE_SECONDS:
            server = servers[step % 2]
            answer = requests.post(
                f"{server.url}/api/v1/rooms/main/timer",
                timeout=10,
                headers=bearer(chair),
                json={"action": actions[step % len(actions)], "command_id": f"out-{step}"},
            )
            answers.append(("command", answer.status_code, answer.text))
            if answer.status_code == 200:  # the phones of the server that took it see it at once, queue or not
                own = phones[step % 2]
                waited = time.monotonic()
                while (
                    own.timer_revision(initial[step % 2]) < answer.json()["revision"] and time.monotonic() - waited < 1
                ):
                    time.sleep(0.02)
                local_seen.append(own.timer_revision(initial[step % 2]) >= answer.json()["revision"])
            for s, voter_server in voters[(step % 3) * 2 : (step % 3) * 2 + 2]:
                vote = s.post(
                    f"{voter_server.url}/api/v1/questions/{qid}/vote", headers={"Origin": voter_server.url}, timeout=10
                )
                answers.append(("vote", vote.status_code, vote.text))
            if step == 1:
                for s2 in servers:
                    healths.append(requests.get(f"{s2.url}/healthz", timeout=10))
                new = requests.post(
                    f"{a.url}/api/v1/slots/{SLOT}/questions",
                    json={"text": "During the outage?"},
                    headers={"Origin": a.url},
                    timeout=10,
                )
                answers.append(("question", new.status_code, new.text))
                during_question = new.json().get("id")
            step += 1
            time.sleep(max(0.0, outage_started + 2.0 * step - time.monotonic()))
        # The chair's last press, on A just before the queue returns: B's phone can learn it only from B's resync.
        last = requests.post(
            f"{a.url}/api/v1/rooms/main/timer",
            headers=bearer(chair),
            timeout=10,
            json={"action": "adjust", "seconds": 30, "command_id": "out-last"},
        )
        answers.append(("command", last.status_code, last.text))
        assert all(200 <= status < 300 for _kind, status, _ in answers), [x for x in answers if x[1] >= 300]
        assert local_seen and all(local_seen), local_seen
        for health in healths:
            assert health.status_code == 200
            assert (health.json()["status"], health.json()["queue"]) == ("degraded", "unavailable")

        true_revision = last.json()["revision"]
        redis.start()
        back = time.monotonic()
        while time.monotonic() - back < CONVERGE_SECONDS + 3:
            if all(p.timer_revision(i) >= true_revision for p, i in zip(phones, initial, strict=True)) and (
                during_question in board_phone.question_ids()
            ):
                break
            time.sleep(0.05)
        converged_after = time.monotonic() - back
        print(f"screens converged {converged_after:.2f} s after Redis returned")
        assert [p.timer_revision(i) for p, i in zip(phones, initial, strict=True)] == [true_revision] * 2
        assert during_question in board_phone.question_ids()
        assert converged_after <= CONVERGE_SECONDS, f"screens converged {converged_after:.2f} s after Redis returned"
        for server in servers:
            assert requests.get(f"{server.url}/healthz", timeout=10).json()["status"] == "ok"
            text = requests.get(f"{server.url}/metrics", timeout=10).text
            outages = next(x for x in text.splitlines() if x.startswith("eventapp_queue_outages_total"))
            assert float(outages.split()[1]) >= 1
        votes = requests.get(f"{b.url}/api/v1/slots/{SLOT}/questions", timeout=10).json()["questions"]
        assert next(q for q in votes if q["id"] == qid)["votes"] == len(voters)
    finally:
        for p in phones:
            p.close()
        for s, _server in voters:
            s.close()


# --- the database -----------------------------------------------------------------------------------------------


def badge_codes(server: LiveServer, organizer: dict) -> dict[int, str]:
    text = requests.get(f"{server.url}/api/v1/badges.csv", headers=bearer(organizer), timeout=10).text
    return {int(row["person_id"]): row["code"] for row in csv.DictReader(io.StringIO(text))}


def present(database_url: str) -> list[int]:
    """The active check-ins' person ids, one per row (a duplicate would show twice)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT person_id FROM checkin WHERE undone_at IS NULL"))]
    finally:
        engine.dispose()


class Scanner:
    """The scanner page's behaviour: a scan answered 503 stays in the queue and is replayed with the same nonce."""

    def __init__(self, server: LiveServer, volunteer: dict):
        self.server, self.headers = server, bearer(volunteer)
        self.queue: list[dict] = []
        self.answers: list[requests.Response] = []

    def scan(self, code: str) -> None:
        self.queue.append({"code": code, "nonce": uuid.uuid4().hex})
        self.replay()

    def replay(self) -> None:
        waiting = []
        for body in self.queue:
            answer = requests.post(f"{self.server.url}/api/v1/checkins", json=body, headers=self.headers, timeout=15)
            self.answers.append(answer)
            if answer.status_code == 503:
                waiting.append(body)
        self.queue = waiting


def test_a_postgresql_restart_is_503_with_retry_after_and_replayed_scans_are_kept_once(tmp_path):
    pg = OwnPostgres()
    try:
        pg.init()
        pg.start()
        server = LiveServer(tmp_path / "server", {"EVENTAPP_DATABASE_URL": pg.url})
        server.workdir.mkdir()
        server.load_demo()
        server.start()
        try:
            organizer, volunteer = server.staff("organizer"), server.staff("volunteer")
            already = set(present(pg.url))
            badges = {pid: code for pid, code in sorted(badge_codes(server, organizer).items()) if pid not in already}
            scanned = sorted(badges)[:12]
            codes = [badges[pid] for pid in scanned]
            scanner = Scanner(server, volunteer)
            for code in codes[:4]:
                scanner.scan(code)
            assert not scanner.queue
            pg.stop()
            during = len(scanner.answers)
            for code in codes[4:8]:  # the door keeps scanning
                scanner.scan(code)
            health = requests.get(f"{server.url}/healthz", timeout=15)
            outage_answers = scanner.answers[during:]
            assert [a.status_code for a in outage_answers] == [503] * len(outage_answers) and scanner.queue
            for answer in outage_answers:
                assert answer.json()["error"] == "database_unavailable" and int(answer.headers["Retry-After"]) >= 1
            assert health.status_code == 503 and health.json()["database"] == "unavailable"
            pg.start()
            deadline = time.monotonic() + 15
            while scanner.queue and time.monotonic() < deadline:
                time.sleep(0.5)
                scanner.replay()
            for code in codes[8:]:
                scanner.scan(code)
            assert not scanner.queue
            assert {a.status_code for a in scanner.answers} <= {201, 200, 503}
            assert requests.get(f"{server.url}/healthz", timeout=15).status_code == 200
        finally:
            server.stop()
        after = present(pg.url)
        assert len(after) == len(set(after)), "a person checked in twice"
        assert set(after) - already == set(scanned), "a scan was lost"
    finally:
        pg.cleanup()


def test_sqlite_on_a_full_disk_is_503_never_500_and_writes_resume_when_space_returns(tmp_path):
    disk = SmallDisk("8m")
    try:
        path = disk.path / "live.db"
        server = LiveServer(
            tmp_path / "server", {"EVENTAPP_DATABASE_URL": f"sqlite:///{path}", "EVENTAPP_HEALTH_MIN_FREE_MB": "0.25"}
        )
        server.workdir.mkdir()
        server.load_demo()
        server.start()
        try:
            organizer, volunteer = server.staff("organizer"), server.staff("volunteer")
            already = set(present(f"sqlite:///{path}"))
            codes = [code for pid, code in sorted(badge_codes(server, organizer).items()) if pid not in already][:6]
            scanner = Scanner(server, volunteer)
            scanner.scan(codes[0])
            assert scanner.answers[-1].status_code == 201
            # Start the WAL from nothing, so that the next write must grow it: on a full disk it cannot.
            with sqlite3.connect(path) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            disk.fill()
            health = requests.get(f"{server.url}/healthz", timeout=15)
            assert health.status_code == 503, health.text
            assert (health.json()["error"], health.json()["database"]) == ("database_unavailable", "unavailable")
            for code in codes[1:4]:
                scanner.scan(code)
            full_answers = scanner.answers[1:]
            assert {a.status_code for a in full_answers} == {503} and len(scanner.queue) == 3, [
                a.text for a in full_answers
            ]
            assert all(a.json()["error"] == "database_unavailable" and a.headers["Retry-After"] for a in full_answers)
            disk.free()
            assert requests.get(f"{server.url}/healthz", timeout=15).status_code == 200
            resumed = len(scanner.answers)
            scanner.replay()
            for code in codes[4:]:
                scanner.scan(code)
            assert not scanner.queue
            assert [a.status_code for a in scanner.answers[resumed:]] == [201] * 5
        finally:
            server.stop()
        log = server.log.read_text()
        assert "Traceback" not in log, log[-3000:]
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        after = [pid for pid in present(f"sqlite:///{path}") if pid not in already]
        assert len(after) == len(set(after)) == 6
    finally:
        disk.cleanup()


# --- a crash in the middle of everything ---------------------------------------------------------------------


def test_kill_9_during_scans_votes_questions_and_a_running_timer_keeps_all_that_was_acknowledged(live_server):
    server = live_server
    organizer, volunteer = server.staff("organizer"), server.staff("volunteer")
    chair = server.staff("chair", "--room", "main")
    database = server.env["EVENTAPP_DATABASE_URL"]
    already = set(present(database))
    badges = {pid: code for pid, code in badge_codes(server, organizer).items() if pid not in already}
    started = requests.post(
        f"{server.url}/api/v1/rooms/main/timer",
        headers=bearer(chair),
        timeout=10,
        json={"action": "start", "command_id": "crash-start"},
    )
    assert started.status_code == 200, started.text
    asked = requests.post(
        f"{server.url}/api/v1/slots/{SLOT}/questions",
        json={"text": "Survives a crash?"},
        headers={"Origin": server.url},
        timeout=10,
    )
    qid = asked.json()["id"]
    acked = {"scans": set(), "questions": set(), "votes": 0}
    lock = threading.Lock()
    crashed = threading.Event()

    def scans() -> None:
        for pid, code in sorted(badges.items()):
            if crashed.is_set():
                return
            try:
                r = requests.post(
                    f"{server.url}/api/v1/checkins",
                    json={"code": code, "nonce": uuid.uuid4().hex},
                    headers=bearer(volunteer),
                    timeout=5,
                )
            except requests.RequestException:
                return
            if r.status_code in (200, 201):
                with lock:
                    acked["scans"].add(pid)

    def questions() -> None:
        for n in range(1000):
            if crashed.is_set():
                return
            try:
                r = requests.post(
                    f"{server.url}/api/v1/slots/{SLOT}/questions",
                    json={"text": f"Crash question {n}?"},
                    headers={"Origin": server.url},
                    timeout=5,
                )
            except requests.RequestException:
                return
            if r.status_code == 201:
                with lock:
                    acked["questions"].add(r.json()["id"])

    def votes() -> None:
        for _ in range(1000):
            if crashed.is_set():
                return
            try:
                with requests.Session() as phone:  # a new phone each time: its own voter cookie
                    phone.get(f"{server.url}/slots/{SLOT}/qa", timeout=5)
                    r = phone.post(
                        f"{server.url}/api/v1/questions/{qid}/vote", headers={"Origin": server.url}, timeout=5
                    )
            except requests.RequestException:
                return
            if r.status_code == 200:
                with lock:
                    acked["votes"] += 1

    workers = [threading.Thread(target=f) for f in (scans, questions, votes)]
    for w in workers:
        w.start()
    time.sleep(1.5)
    crashed.set()
    server.stop(signal.SIGKILL)
    for w in workers:
        w.join(15)
    assert acked["scans"] and acked["questions"] and acked["votes"], acked
    server.start()
    assert acked["scans"] <= set(present(database)), "an acknowledged check-in was lost"
    board = requests.get(f"{server.url}/api/v1/slots/{SLOT}/questions", headers=bearer(organizer), timeout=10).json()
    ids = {q["id"] for q in board["questions"]}
    assert acked["questions"] <= ids, "an acknowledged question was lost"
    assert next(q for q in board["questions"] if q["id"] == qid)["votes"] >= acked["votes"]
    after = requests.get(f"{server.url}/api/v1/rooms/main/timer", timeout=10).json()
    assert after["ends_at_ms"] == started.json()["ends_at_ms"]


@pytest.mark.browser
def test_the_chair_console_retries_a_command_the_database_refused_and_says_so(live_server, chromium):
    """The console's HTTP path (no socket here) answered 503 database_unavailable twice: it says it retries, sends
    the same command again by itself, and shows ✓ once the server takes it."""
    import json

    chair = live_server.staff("chair", "--room", "main")
    ctx = chromium.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        page.goto(chair["login_url"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/staff")
        page.route("**/socket.io/**", lambda route: route.abort("internetdisconnected"))
        page.route_web_socket("**/socket.io/**", lambda ws: ws.close())  # no socket: the console posts over HTTP
        sent: list[str] = []
        unavailable = json.dumps({"error": "database_unavailable", "message": "Cannot save now.", "retry_after": 1})

        def timer_post(route):
            if route.request.method != "POST":
                return route.continue_()
            sent.append(json.loads(route.request.post_data)["command_id"])
            if len(sent) <= 2:
                return route.fulfill(
                    status=503, body=unavailable, content_type="application/json", headers={"Retry-After": "1"}
                )
            return route.continue_()

        page.route("**/api/v1/rooms/main/timer", timer_post)
        page.goto(f"{live_server.url}/rooms/main/chair")
        before = requests.get(f"{live_server.url}/api/v1/rooms/main/timer", timeout=10).json()["revision"]
        page.get_by_role("button", name="+30 s").click()
        page.wait_for_function(
            "document.querySelector('[data-ack]').textContent.includes('retrying by itself')", timeout=5000
        )
        page.wait_for_function("document.querySelector('[data-ack]').textContent.startsWith('✓')", timeout=10000)
        assert len(sent) == 3 and len(set(sent)) == 1, sent  # the same command, sent again
        after = requests.get(f"{live_server.url}/api/v1/rooms/main/timer", timeout=10).json()["revision"]
        assert after == before + 1
    finally:
        ctx.close()
