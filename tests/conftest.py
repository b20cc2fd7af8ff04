"""Shared fixtures: an app on a fresh SQLite file, the demo day, staff tokens, socket clients, a real server
in a subprocess, and Chromium through Playwright."""

from __future__ import annotations

import contextvars
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from eventapp import auth, create_app, db
from eventapp.realtime import socketio

DEMO_DAY = date(2024, 8, 4)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EVENTAPP = str(Path(sys.executable).with_name("eventapp"))


def missing(reason: str) -> None:
    """A service or browser is missing: a failure in CI, a one-line skip on a laptop."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must have it)")
    pytest.skip(reason)


def test_config(tmp_path: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
        "BASE_URL": "http://localhost",
        "SOCKET_ASYNC_MODE": "threading",  # the pytest process is never monkey-patched
        "RATELIMIT_STORAGE": "memory://",
        **extra,
    }


class FreshContextClient(FlaskClient):
    """Each request runs in a fresh context, as in production: `g` (and Flask-WTF's cached CSRF token) do not
    leak from the app context the fixture keeps pushed for the test body."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(test_config(tmp_path))
    app.test_client_class = FreshContextClient
    db.create_all_for_tests(app.extensions[db.ENGINE_KEY])
    with app.app_context():
        yield app
    app.extensions[db.ENGINE_KEY].dispose()


@pytest.fixture
def demo_app(app):
    """The app with the demo day loaded (as `eventapp demo --date 2024-08-04` does, without staff)."""
    from eventapp import features

    with db.session_scope() as s:
        for module in features.import_modules("demo"):
            module.seed(s, DEMO_DAY)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_staff(app) -> Callable[..., dict]:
    """make_staff("chair", room_ids=["main"]) -> {"id", "token", "headers", "name"}."""

    def make(role: str, name: str | None = None, **scope) -> dict:
        member = auth.add_staff(name or f"Test {role}", role, **scope)
        token = auth.issue_api_token(member.id, label=f"test {role}")
        return {"id": member.id, "name": member.name, "token": token, "headers": {"Authorization": f"Bearer {token}"}}

    return make


@pytest.fixture
def socket_client(app):
    """socket_client(token=None) -> a connected Flask-SocketIO test client; all are closed at the end."""
    clients = []

    def connect(token: str | None = None, flask_client=None):
        c = socketio.test_client(app, auth={"token": token} if token else None, flask_test_client=flask_client)
        clients.append(c)
        return c

    yield connect
    for c in clients:
        if c.is_connected():
            c.disconnect()


# --- a real server --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


class LiveServer:
    """`eventapp demo --no-serve` then `eventapp serve` (gunicorn, gevent) on a free port, in a subprocess."""

    def __init__(self, workdir: Path, env_extra: dict | None = None):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "EVENTAPP_INSTANCE_PATH": str(workdir),
            "EVENTAPP_DATABASE_URL": f"sqlite:///{workdir / 'live.db'}",
            "EVENTAPP_SECRET_KEY": "live-test-secret",
            "EVENTAPP_BASE_URL": self.url,
            "EVENTAPP_ACCESS_LOG": "",
            **(env_extra or {}),
        }
        self.proc: subprocess.Popen | None = None
        self.log = workdir / "server.log"

    def run_cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([EVENTAPP, *args], env=self.env, capture_output=True, text=True, timeout=60, check=True)

    def load_demo(self) -> None:
        self.run_cli("demo", "--no-serve", "--date", DEMO_DAY.isoformat(), "--port", str(self.port))

    def staff(self, role: str, *extra: str) -> dict:
        out = self.run_cli("staff", "add", "--name", f"Live {role}", "--role", role, "--json", *extra)
        return json.loads(out.stdout)

    def start(self) -> None:
        log = self.log.open("ab")
        self.proc = subprocess.Popen(
            [EVENTAPP, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for_http(f"{self.url}/healthz", proc=self.proc)

    def stop(self, sig: int | None = None) -> None:
        if self.proc is None:
            return
        if sig is None:
            self.proc.terminate()
        else:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path)
    server.load_demo()
    server.start()
    yield server
    server.stop()


# --- a browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
