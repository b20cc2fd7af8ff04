"""Several app servers as one: two `eventapp serve` processes sharing PostgreSQL and Redis, nginx in front."""

from __future__ import annotations

import csv
import io
import shutil
import signal
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from tests_support import LiveServer, Nginx

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def redis_url():
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        from conftest import missing

        missing("Redis is not reachable at 127.0.0.1:6379")
    channel = f"eventapp-test-{uuid.uuid4().hex[:10]}"
    yield url, channel
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"*{channel}*"):
        client.delete(key)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, module_postgres_url, redis_url):
    """Servers A and B on one PostgreSQL database and one Redis channel; the demo loaded through A. One cluster for
    the module (each takes seconds to start): the tests run in file order, and the one that kills a server last."""
    tmp_path = tmp_path_factory.mktemp("cluster")
    postgres_url = module_postgres_url
    url, channel = redis_url
    env = {
        "EVENTAPP_DATABASE_URL": postgres_url,
        "EVENTAPP_MESSAGE_QUEUE": url,
        "EVENTAPP_MESSAGE_QUEUE_CHANNEL": channel,
        "EVENTAPP_SECRET_KEY": "cluster-secret",
    }
    a = LiveServer(tmp_path / "a", env)
    b = LiveServer(tmp_path / "b", env)
    proxy = Nginx(tmp_path / "nginx", [a.port, b.port])
    # The public address is the balancer's; the servers' own addresses are allowed origins too (direct tests).
    for server in (a, b):
        server.workdir.mkdir()
        server.env["EVENTAPP_BASE_URL"] = proxy.url
        server.env["EVENTAPP_EXTRA_ORIGINS"] = f"{a.url},{b.url}"
    a.proxy = proxy
    a.load_demo()
    a.start()
    b.start()
    yield a, b
    a.stop()
    b.stop()


class Listener:
    """A socket.io client that records the events it receives."""

    def __init__(self, url: str, token: str | None = None, reconnection: bool = False):
        self.events: dict[str, list] = {}
        self.arrived = threading.Event()
        self.client = socketio.Client(reconnection=reconnection, reconnection_delay=0.2, reconnection_delay_max=1)
        self.client.on("*", self._record)
        self.client.connect(url, transports=["websocket"], auth={"token": token} if token else None, wait_timeout=10)

    def _record(self, event, data=None):
        self.events.setdefault(event, []).append(data)
        self.arrived.set()

    def wait_for(self, event: str, timeout: float = 10.0) -> list:
        self.arrived.wait(timeout)
        deadline = threading.Event()
        for _ in range(int(timeout * 20)):
            if self.events.get(event):
                return self.events[event]
            deadline.wait(0.05)
        raise AssertionError(f"no {event!r} within {timeout} s (got {sorted(self.events)})")

    def close(self):
        self.client.disconnect()


def test_first_reads_of_a_rooms_timer_on_both_servers_race_safely(cluster):
    """No timer row yet: twenty screens on two servers ask at once; every one gets the same state."""
    a, b = cluster
    barrier = threading.Barrier(20)

    def read(i):
        barrier.wait()
        return requests.get(f"{(a if i % 2 else b).url}/api/v1/rooms/main/timer", timeout=20)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(read, range(20)))
    assert {r.status_code for r in answers} == {200}, [r.text for r in answers if r.status_code != 200]
    assert len({(r.json()["slot_id"], r.json()["state"]) for r in answers}) == 1


def test_both_servers_are_healthy_with_the_queue(cluster):
    for server in cluster:
        assert requests.get(server.url + "/healthz", timeout=5).json() == {
            **requests.get(server.url + "/healthz", timeout=5).json(),
            "database": "ok",
            "queue": "ok",
        }


def test_a_command_beside_the_servers_reaches_clients_of_both(cluster, tmp_path):
    a, b = cluster
    on_a, on_b = Listener(a.url), Listener(b.url)
    try:
        for listener in (on_a, on_b):
            assert listener.client.call("subscribe", {"channel": "program"}, timeout=5)["ok"]
        people = tmp_path / "late.csv"
        people.write_text("name\nLate Registrant\n")
        a.run_cli("import", "people", str(people))
        assert on_a.wait_for("program")[0]["event"]["short_name"] == "TAI4H 2024"
        assert on_b.wait_for("program")[0]["event"]["short_name"] == "TAI4H 2024"
    finally:
        on_a.close()
        on_b.close()


def test_revoking_staff_reaches_their_socket_on_another_server(cluster):
    a, b = cluster
    staff = a.staff("moderator")
    on_b = Listener(b.url, token=staff["token"])
    try:
        a.run_cli("staff", "revoke", str(staff["id"]))
        assert on_b.wait_for("revoked")
    finally:
        on_b.close()


def test_rate_limits_are_shared_through_redis(cluster):
    """Refused tokens are limited per address (30 a minute) across both servers together, not 30 on each."""
    a, b = cluster
    statuses = []
    for i in range(40):
        server = a if i % 2 else b
        statuses.append(
            requests.get(f"{server.url}/api/v1/me", headers={"Authorization": "Bearer nope"}, timeout=5).status_code
        )
    assert statuses.count(401) == 30
    assert statuses.count(429) == 10


# --- the features, exactly once across servers ------------------------------------------------------------


def test_a_screen_on_a_gets_the_timer_command_sent_to_b(cluster):
    a, b = cluster
    chair = a.staff("chair", "--room", "main")
    screen = Listener(a.url)
    try:
        before = screen.client.call("subscribe", {"channel": "timer:main"}, timeout=5)["snapshot"]
        answer = requests.post(
            f"{b.url}/api/v1/rooms/main/timer",
            json={"action": "start", "command_id": "x-1"},
            headers={"Authorization": f"Bearer {chair['token']}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        deadline = threading.Event()
        for _ in range(100):
            pushed = [t for t in screen.events.get("timer", []) if t["revision"] > before["revision"]]
            if pushed:
                break
            deadline.wait(0.1)
        assert pushed and pushed[0]["state"] == "running"
        assert pushed[0]["ends_at_ms"] == answer.json()["ends_at_ms"]
    finally:
        screen.close()


def test_a_phone_subscribing_on_a_gets_the_state_changed_on_b(cluster):
    """A gives new subscribers its last snapshot without reading the database until it learns that the room changed:
    a command on B reaches A through the queue and drops it, so the next phone on A starts from the new state."""
    a, b = cluster
    chair = a.staff("chair", "--room", "main")
    screen = Listener(a.url)
    try:
        requests.get(f"{a.url}/api/v1/rooms/main/timer", timeout=10).raise_for_status()  # the room's row exists
        screen.client.call("subscribe", {"channel": "timer:main"}, timeout=5)  # A builds and keeps a snapshot
        text = f"Wrap up, from B {uuid.uuid4().hex[:6]}"
        answer = requests.post(
            f"{b.url}/api/v1/rooms/main/timer",
            json={"action": "message", "text": text, "command_id": uuid.uuid4().hex},
            headers={"Authorization": f"Bearer {chair['token']}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        revision = answer.json()["revision"]
        deadline = threading.Event()
        for _ in range(100):  # A has passed the change on to its own screen
            if any(t["revision"] >= revision for t in screen.events.get("timer", [])):
                break
            deadline.wait(0.02)
        else:
            raise AssertionError("the change on B never reached the screen on A")
        late = Listener(a.url)
        try:
            snapshot = late.client.call("subscribe", {"channel": "timer:main"}, timeout=5)["snapshot"]
        finally:
            late.close()
        assert snapshot["revision"] == revision and snapshot["message"]["text"] == text
    finally:
        screen.close()


def test_the_day_plan_on_each_server_follows_a_timer_command_on_the_other(cluster):
    """Each server pushes its own program pages: B's after A's timer event reaches B through the queue, A's from
    the command itself; each page gets the plan once, not once per server."""
    a, b = cluster
    chair = a.staff("chair", "--room", "main")
    on_a, on_b = Listener(a.url), Listener(b.url)
    try:
        for listener in (on_a, on_b):
            assert listener.client.call("subscribe", {"channel": "program"}, timeout=5)["ok"]
        answer = requests.post(
            f"{a.url}/api/v1/rooms/main/timer",
            json={"action": "pause", "command_id": "plan-1"},
            headers={"Authorization": f"Bearer {chair['token']}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        for listener in (on_a, on_b):
            plans = listener.wait_for("program")
            assert plans[-1]["plan"]["rooms"]["main"]["timer_state"] == answer.json()["state"]
        threading.Event().wait(1.0)  # a second push would arrive within the push delay
        assert len(on_a.events["program"]) == 1 and len(on_b.events["program"]) == 1
    finally:
        on_a.close()
        on_b.close()


def test_the_same_timer_command_on_both_servers_applies_once(cluster):
    a, b = cluster
    chair = a.staff("chair", "--room", "main")
    headers = {"Authorization": f"Bearer {chair['token']}"}
    before = requests.get(f"{a.url}/api/v1/rooms/main/timer", timeout=5).json()
    barrier = threading.Barrier(6)

    def send(i):
        barrier.wait()
        server = a if i % 2 else b
        return requests.post(
            f"{server.url}/api/v1/rooms/main/timer",
            json={"action": "next", "command_id": "once"},
            headers=headers,
            timeout=20,
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(6)))
    assert {r.status_code for r in answers} == {200}
    after = requests.get(f"{a.url}/api/v1/rooms/main/timer", timeout=5).json()
    assert after["slot_index"] == min(before["slot_index"] + 1, before["slot_count"] - 1)  # one step, not six


def badge_codes(server, organizer) -> dict[int, str]:
    text = requests.get(
        f"{server.url}/api/v1/badges.csv", headers={"Authorization": f"Bearer {organizer['token']}"}, timeout=10
    ).text
    return {int(row["person_id"]): row["code"] for row in csv.DictReader(io.StringIO(text))}


def test_twenty_scans_of_one_badge_across_both_servers_make_one_check_in(cluster):
    a, b = cluster
    organizer = a.staff("organizer")
    volunteers = [a.staff("volunteer") for _ in range(2)]
    codes = badge_codes(a, organizer)
    present = {
        r["person_id"]
        for r in requests.get(
            f"{a.url}/api/v1/checkin/log", timeout=5, headers={"Authorization": f"Bearer {organizer['token']}"}
        )
        .json()
        .get("scans", [])
        if r.get("result") == "ok"
    }
    person = next(pid for pid in sorted(codes) if pid not in present)
    barrier = threading.Barrier(20)

    def scan(i):
        barrier.wait()
        server = a if i % 2 else b
        return requests.post(
            f"{server.url}/api/v1/checkins",
            json={"code": codes[person], "nonce": f"race-{i}"},
            headers={"Authorization": f"Bearer {volunteers[i % 2]['token']}"},
            timeout=20,
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(scan, range(20)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * 19 + [201], [r.text for r in answers if r.status_code >= 400]
    assert {r.json()["result"] for r in answers} == {"ok", "already"}


def test_votes_split_across_servers_are_each_counted_once(cluster):
    a, b = cluster
    slot = "keynote-2"
    asked = requests.post(
        f"{a.url}/api/v1/slots/{slot}/questions",
        json={"text": "Across both servers?"},
        headers={"Origin": a.url},
        timeout=10,
    )
    assert asked.status_code == 201, asked.text
    qid = asked.json()["id"]

    def phone(i):
        server = a if i % 2 else b
        with requests.Session() as s:  # one phone: its own voter cookie, a double tap on the other server
            s.get(f"{server.url}/slots/{slot}/qa", timeout=20)
            first = s.post(f"{server.url}/api/v1/questions/{qid}/vote", headers={"Origin": server.url}, timeout=20)
            other = b if server is a else a
            s.post(f"{other.url}/api/v1/questions/{qid}/vote", headers={"Origin": other.url}, timeout=20)
            assert first.json()["votes"] >= 1, first.text
            return first.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert set(pool.map(phone, range(30))) == {200}
    listed = requests.get(f"{b.url}/api/v1/slots/{slot}/questions", timeout=10).json()["questions"]
    assert next(q for q in listed if q["id"] == qid)["votes"] == 30


def test_killing_a_server_moves_its_clients_to_the_other(cluster, tmp_path):
    if shutil.which("nginx") is None:
        from conftest import missing

        missing("nginx is not installed (apt-get install nginx-light)")
    a, b = cluster
    proxy = a.proxy
    proxy.start()
    listener = None
    try:
        snapshots = []
        listener = Listener(proxy.url, reconnection=True)
        listener.client.on(
            "connect", lambda: snapshots.append(listener.client.call("subscribe", {"channel": "program"}, timeout=5))
        )
        snapshots.append(listener.client.call("subscribe", {"channel": "program"}, timeout=5))
        assert snapshots[0]["ok"]

        # Which server holds the socket? Its /metrics counts it.
        def connections(server):
            text = requests.get(server.url + "/metrics", timeout=5).text
            line = next(x for x in text.splitlines() if x.startswith("eventapp_socket_connections "))
            return float(line.split()[1])

        holder = a if connections(a) == 1 else b
        other = b if holder is a else a
        holder.stop(signal.SIGKILL)
        for _ in range(200):
            if len(snapshots) >= 2 and listener.client.connected:
                break
            threading.Event().wait(0.1)
        assert listener.client.connected
        assert snapshots[-1]["ok"] and snapshots[-1]["snapshot"]["event"]["short_name"] == "TAI4H 2024"
        assert connections(other) == 1
    finally:
        if listener is not None:
            listener.close()
        proxy.stop()
