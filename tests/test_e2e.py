"""End to end: `eventapp serve` (gunicorn, gevent) in a subprocess, a real python-socketio client over WebSocket."""

from __future__ import annotations

import pytest
import requests
import socketio

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_server(module_live_server):
    """This module's tests only read, or add what does not disturb the others: one server for all."""
    return module_live_server


def connect(server, **kwargs) -> socketio.SimpleClient:
    client = socketio.SimpleClient()
    client.connect(server.url, transports=["websocket"], wait_timeout=10, **kwargs)
    return client


def test_served_pages_carry_their_css_and_js(live_server):
    for path in ("/", "/program", "/rooms/main", "/rooms/main/stage", "/signin"):
        page = requests.get(live_server.url + path, timeout=5)
        assert page.status_code == 200, path
        for asset in ("/static/css/app.css",):
            assert asset in page.text
    for asset in (
        "/static/css/app.css",
        "/static/js/live.js",
        "/static/js/program.js",
        "/static/vendor/socket.io-client/socket.io.esm.min.js",
    ):
        response = requests.get(live_server.url + asset, timeout=5)
        assert response.status_code == 200, asset
        assert len(response.content) > 100


def test_health_and_program_over_http(live_server):
    assert requests.get(live_server.url + "/healthz", timeout=5).json()["status"] == "ok"
    program = requests.get(live_server.url + "/api/v1/program", timeout=5).json()
    assert len(program["papers"]) == 13


def test_socket_time_sync_and_program_subscription(live_server):
    client = connect(live_server)
    try:
        sync = client.call("time_sync", {"t0": 1}, timeout=5)
        assert sync["server_ms"] > 1.7e12
        ack = client.call("subscribe", {"channel": "program"}, timeout=5)
        assert ack["ok"] is True
        assert ack["snapshot"]["event"]["short_name"] == "TAI4H 2024"
    finally:
        client.disconnect()


def test_staff_token_over_http_and_socket(live_server):
    staff = live_server.staff("organizer")
    me = requests.get(live_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {staff['token']}"}, timeout=5)
    assert me.json()["role"] == "organizer"
    client = connect(live_server, auth={"token": staff["token"]})
    assert client.connected
    client.disconnect()


def test_a_bad_token_is_refused_at_connect(live_server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live_server, auth={"token": "forged"})


@pytest.mark.parametrize(("origin", "status"), [("https://evil.example", 400), (None, 200), ("self", 200)])
def test_browsers_may_connect_only_from_the_sites_origin(live_server, origin, status):
    headers = {} if origin is None else {"Origin": live_server.url if origin == "self" else origin}
    handshake = requests.get(f"{live_server.url}/socket.io/?EIO=4&transport=polling", headers=headers, timeout=5)
    assert handshake.status_code == status


def test_an_import_beside_the_server_reaches_the_open_pages(live_server, tmp_path):
    """A CLI import in another process changes what the server answers (same database)."""
    people = tmp_path / "late.csv"
    people.write_text("name,affiliation\nLate Registrant,Somewhere\n")
    live_server.run_cli("import", "people", str(people))
    program = requests.get(live_server.url + "/api/v1/program", timeout=5).json()
    assert program["event"]["short_name"] == "TAI4H 2024"


def test_a_revoked_socket_that_ignores_everything_is_dropped_within_2_seconds(live_server):
    """The real server (gevent, no message queue): the CLI's revocation reaches the socket only through each
    server's own sweep of its staff sockets (issue #12)."""
    import time

    staff = live_server.staff("organizer")
    client = connect(live_server, auth={"token": staff["token"]})
    try:
        assert client.call("subscribe", {"channel": "coverage"}, timeout=5)["ok"] is True
        live_server.run_cli("staff", "revoke", str(staff["id"]))
        revoked_at = time.monotonic()
        while client.connected and time.monotonic() - revoked_at < 5:
            time.sleep(0.05)
        assert not client.connected
        assert time.monotonic() - revoked_at < 2.0
    finally:
        client.disconnect()
