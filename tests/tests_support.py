"""Helpers for tests that run real servers: free ports, waiting for HTTP, and a demo server in a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import requests

DEMO_DAY = date(2024, 8, 4)
EVENTAPP = str(Path(sys.executable).with_name("eventapp"))


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


