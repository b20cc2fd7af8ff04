"""Several app servers as one: two `eventapp serve` processes sharing PostgreSQL and Redis, nginx in front."""

from __future__ import annotations

import shutil
import signal
import threading
import uuid

import pytest
import requests
import socketio

from tests_support import LiveServer, Nginx

pytestmark = pytest.mark.e2e


@pytest.fixture
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


@pytest.fixture
def cluster(tmp_path, postgres_url, redis_url):
    """Servers A and B on one PostgreSQL database and one Redis channel; the demo loaded through A."""
    url, channel = redis_url
    env = {"EVENTAPP_DATABASE_URL": postgres_url, "EVENTAPP_MESSAGE_QUEUE": url,
           "EVENTAPP_MESSAGE_QUEUE_CHANNEL": channel, "EVENTAPP_SECRET_KEY": "cluster-secret"}  # fmt: skip
    a = LiveServer(tmp_path / "a", env)
    b = LiveServer(tmp_path / "b", env)
    proxy = Nginx(tmp_path / "nginx", [a.port, b.port])
    # The public address is the balancer's; the servers' own addresses are allowed origins too (direct tests).
    for server in (a, b):
        server.workdir.mkdir()
        server.env["EVENTAPP_BASE_URL"] = proxy.url
        server.env["EVENTAPP_SOCKET_ORIGINS"] = f"{a.url},{b.url}"
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


def test_both_servers_are_healthy_with_the_queue(cluster):
    for server in cluster:
        assert requests.get(server.url + "/healthz", timeout=5).json() == {
            **requests.get(server.url + "/healthz", timeout=5).json(), "database": "ok", "queue": "ok"}  # fmt: skip


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
        statuses.append(requests.get(f"{server.url}/api/v1/me", headers={"Authorization": "Bearer nope"}, timeout=5).status_code)
    assert statuses.count(401) == 30
    assert statuses.count(429) == 10


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
        listener.client.on("connect", lambda: snapshots.append(
            listener.client.call("subscribe", {"channel": "program"}, timeout=5)))  # fmt: skip
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
