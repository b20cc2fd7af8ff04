"""The wheel (not editable), installed into a fresh venv as the Dockerfile does (requirements/app.lock, then the
wheel with --no-deps), carries templates, static files and migrations, and serves."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

from tests_support import free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("eventapp-*.whl")
    return built


def test_the_wheel_carries_templates_static_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "eventapp/templates/base.html",
        "eventapp/static/css/app.css",
        "eventapp/static/js/live.js",
        "eventapp/static/vendor/socket.io-client/socket.io.esm.min.js",
        "eventapp/migrations/env.py",
        "eventapp/migrations/versions/0001_program_staff_and_auth.py",
        "eventapp/program/data/tai4h-2024.json",
        "eventapp/gunicorn_conf.py",
    ):
        assert required in names, required


@pytest.mark.timeout(600)
def test_installed_wheel_runs_the_demo_and_serves_every_asset(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # As the Dockerfile installs: the locked versions with their hashes, then the wheel adding nothing.
    pip = str(venv / "bin" / "pip")
    subprocess.run(
        [pip, "install", "--quiet", "--require-hashes", "-r", str(ROOT / "requirements" / "app.lock")],
        check=True,
        timeout=500,
    )
    subprocess.run([pip, "install", "--quiet", "--no-deps", str(wheel)], check=True, timeout=120)
    subprocess.run([pip, "check"], check=True, timeout=60)
    port = free_port()
    env = {**os.environ, "EVENTAPP_INSTANCE_PATH": str(tmp_path / "instance"), "EVENTAPP_ACCESS_LOG": ""}
    env.pop("EVENTAPP_DATABASE_URL", None)
    # Run from elsewhere, so nothing is found in the checkout by accident.
    proc = subprocess.Popen(
        [str(venv / "bin" / "eventapp"), "demo", "--date", "2024-08-04", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/healthz", timeout=60, proc=proc)
        assert (tmp_path / "instance" / "eventapp.db").exists()
        for page in ("/", "/program", "/rooms/main", "/rooms/main/stage", "/signin"):
            html = requests.get(base + page, timeout=5)
            assert html.status_code == 200, page
            for asset in [a for a in ("/static/css/app.css", "/static/js/program.js") if a in html.text]:
                assert requests.get(base + asset, timeout=5).status_code == 200, asset
        assert requests.get(base + "/static/js/live.js", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=15)
