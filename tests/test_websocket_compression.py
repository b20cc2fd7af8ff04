"""EVENTAPP_WS_COMPRESSION: a real WebSocket handshake against `eventapp serve` that offers permessage-deflate, as
every browser does, gets compression only when the setting is on. These fail if simple-websocket, wsproto or
engine.io change the behaviour the adapter in eventapp/socket_internals.py relies on."""

from __future__ import annotations

import base64
import os
import socket
from pathlib import Path

import pytest

from eventapp import create_app, socket_internals
from eventapp.realtime import socketio

from tests_support import LiveServer

OFFER = "permessage-deflate; client_max_window_bits"


def handshake(port: int, extensions: str | None = OFFER) -> tuple[str, dict[str, str], bytes]:
    """Open /socket.io/ over WebSocket by hand; return the status line, the response headers and the first bytes
    after them (engine.io's open packet)."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if extensions:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        if not rest:  # the open packet follows the handshake at once
            sock.settimeout(5)
            rest = sock.recv(4096)
    status, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return status, headers, rest


def serve(tmp_path: Path, **env: str) -> LiveServer:
    server = LiveServer(tmp_path, env_extra=env)
    server.run_cli("db", "upgrade")
    server.start()
    return server


@pytest.mark.parametrize(
    ("env", "compressed"),
    [({}, False), ({"EVENTAPP_WS_COMPRESSION": "off"}, False), ({"EVENTAPP_WS_COMPRESSION": "on"}, True)],
    ids=["default", "off", "on"],
)
def test_handshake_offering_deflate(tmp_path: Path, env: dict, compressed: bool) -> None:
    server = serve(tmp_path, **env)
    try:
        status, headers, first = handshake(server.port)
        assert status.startswith("HTTP/1.1 101"), status
        assert headers.get("upgrade", "").lower() == "websocket"
        if compressed:
            assert "permessage-deflate" in headers.get("sec-websocket-extensions", "")
        else:
            assert "sec-websocket-extensions" not in headers
            # The connection works: an uncompressed text frame (RSV1 clear) carrying engine.io's open packet.
            assert first[0] == 0x81, first[:2]
            assert b'"sid"' in first
        # A client that offers nothing never gets compression, whatever the setting.
        status, headers, _ = handshake(server.port, extensions=None)
        assert status.startswith("HTTP/1.1 101")
        assert "sec-websocket-extensions" not in headers
    finally:
        server.stop()


def test_setting_parsed_and_installed_per_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("EVENTAPP_WS_COMPRESSION", raising=False)
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "SOCKET_ASYNC_MODE": "threading"})
    eio = socketio.server.eio
    assert eio._async["websocket"].__name__.startswith("Uncompressed")
    # The driver's shared mapping is left alone: another server in this mode keeps the library's class.
    import importlib

    shared = importlib.import_module("engineio.async_drivers.threading")._async
    assert not shared["websocket"].__name__.startswith("Uncompressed")
    monkeypatch.setenv("EVENTAPP_WS_COMPRESSION", "on")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}", "SOCKET_ASYNC_MODE": "threading"})
    assert app.config["WS_COMPRESSION"] is True
    assert socketio.server.eio._async["websocket"] is shared["websocket"]


def test_without_extension_offer_copies() -> None:
    environ = {"HTTP_SEC_WEBSOCKET_EXTENSIONS": OFFER, "HTTP_UPGRADE": "websocket"}
    stripped = socket_internals.without_extension_offer(environ)
    assert stripped == {"HTTP_UPGRADE": "websocket"}
    assert environ["HTTP_SEC_WEBSOCKET_EXTENSIONS"] == OFFER
