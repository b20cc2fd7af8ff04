"""One way for the feature benchmarks to run eventapp: a demo database in a temporary folder, staff from the CLI,
and `eventapp serve` (gunicorn, gevent, production settings) started, waited for and stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

EVENTAPP = str(Path(sys.executable).with_name("eventapp"))


def bench_env(workdir: Path, port: int, secret: str = "bench-secret") -> dict:
    return {
        **os.environ,
        "EVENTAPP_INSTANCE_PATH": str(workdir),
        "EVENTAPP_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "EVENTAPP_SECRET_KEY": secret,
        "EVENTAPP_BASE_URL": f"http://127.0.0.1:{port}",
        "EVENTAPP_ACCESS_LOG": "",
        "EVENTAPP_LOG_LEVEL": os.environ.get("EVENTAPP_BENCH_LOG_LEVEL", "WARNING"),
    }


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EVENTAPP, *args], env=env, check=True, capture_output=True, text=True, timeout=120)


def load_demo(env: dict, port: int, date: str = "2024-08-04") -> None:
    cli(env, "demo", "--no-serve", "--date", date, "--port", str(port))


def add_staff(env: dict, name: str, role: str, *extra: str) -> dict:
    """`eventapp staff add --json`: at least `token` and `login_url`."""
    return json.loads(cli(env, "staff", "add", "--name", name, "--role", role, "--json", *extra).stdout)


def serve(env: dict, port: int, workdir: Path, preexec_fn: Callable[[], None] | None = None) -> subprocess.Popen:
    """`eventapp serve` on 127.0.0.1:port, once /healthz answers (30 s at most, else the run stops)."""
    log = (workdir / "server.log").open("ab")
    proc = subprocess.Popen(
        [EVENTAPP, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=preexec_fn,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, timeout=30)
    except (RuntimeError, TimeoutError):
        proc.kill()
        raise SystemExit(f"eventapp serve did not start (see {workdir / 'server.log'})") from None
    return proc


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 40) -> None:
    """Until `url` answers below 500; fails at once if `proc` (the server, or what fronts it) exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
