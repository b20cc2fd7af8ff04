"""Shared fixtures: an app on a fresh SQLite file, the demo day, staff tokens, socket clients, a real server
in a subprocess, and Chromium through Playwright."""

from __future__ import annotations

import contextvars
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from eventapp import auth, create_app, db
from eventapp.realtime import socketio

from tests_support import DEMO_DAY, LiveServer, write_y4m

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


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
        # Pushes at once and no keyframe task: a test sees each push right after the act that caused it.
        "CHECKIN_PUSH_DELAY": 0,
        "QA_VOTE_FLUSH_SECONDS": 0,
        "PROGRAM_PUSH_DELAY": 0,
        "TIMER_KEYFRAMES": False,
        "CHECK_ANSWERS": True,  # every answer, push and snapshot sent must fit its declared shape
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


def _serve_demo(workdir: Path) -> Iterator[LiveServer]:
    server = LiveServer(workdir)
    server.load_demo()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A fresh demo server for one test."""
    yield from _serve_demo(tmp_path)


@pytest.fixture(scope="module")
def module_live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One demo server shared by a module's tests that do not disturb each other (starting one takes seconds)."""
    yield from _serve_demo(tmp_path_factory.mktemp("live"))


# --- services --------------------------------------------------------------------------------------------

POSTGRES_ADMIN_URL = os.environ.get("EVENTAPP_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_database() -> Iterator[str]:
    """A PostgreSQL database of its own, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    name = f"eventapp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        missing(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc.orig.__class__.__name__})")
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own."""
    yield from _postgres_database()


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A PostgreSQL database shared by one module's tests."""
    yield from _postgres_database()


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


@pytest.fixture
def camera_browser(chromium, tmp_path):
    """A second Chromium whose camera plays a y4m file: call it with the text to show."""
    browsers = []

    def launch(text: str):
        video = tmp_path / f"badge-{len(browsers)}.y4m"
        write_y4m(video, text)
        args = [
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)
        browsers.append(browser)
        return browser

    yield launch
    for b in browsers:
        b.close()


@pytest.fixture
def cli_env(app, tmp_path) -> dict:
    """The environment of an `eventapp` command on the test app's database (tests_support.run_cli runs one)."""
    return {
        "EVENTAPP_DATABASE_URL": app.config["DATABASE_URL"],
        "EVENTAPP_SECRET_KEY": app.config["SECRET_KEY"],
        "EVENTAPP_INSTANCE_PATH": str(tmp_path),
        "EVENTAPP_BASE_URL": "http://127.0.0.1:5999",
    }
