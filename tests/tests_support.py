"""Helpers for tests that run real servers: free ports, waiting for HTTP, and a demo server in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import qrcode
import requests
from click.testing import CliRunner
from qrcode.constants import ERROR_CORRECT_M

from eventapp import cli

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
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_http(f"{self.url}/healthz", proc=self.proc)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop gunicorn and its worker together (SIGKILL included: a crash takes the whole process group)."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        # A SIGKILLed master leaves no one to reap the worker: wait until the group is gone and the port is free.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.proc = None


class Nginx:
    """nginx in front of app servers, from the configuration shipped in docs/deploy (ports rewritten)."""

    CONF = Path(__file__).resolve().parent.parent / "docs" / "deploy" / "nginx-compose.conf"

    def __init__(self, workdir: Path, backends: list[int]):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = self.CONF.read_text().replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        for name, port in zip(("app1:5000", "app2:5000"), backends, strict=True):
            site = site.replace(name, f"127.0.0.1:{port}")
        self.site = site
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        workdir, site = self.workdir, self.site
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (workdir / sub).mkdir(parents=True, exist_ok=True)
        (workdir / "nginx.conf").write_text(
            f"daemon off;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log warn;\nevents {{}}\n"
            f"http {{\naccess_log off;\nclient_body_temp_path {workdir}/client_body;\n"
            f"proxy_temp_path {workdir}/proxy;\nfastcgi_temp_path {workdir}/fastcgi;\n"
            f"uwsgi_temp_path {workdir}/uwsgi;\nscgi_temp_path {workdir}/scgi;\n{site}\n}}\n"
        )
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(self.workdir), "-c", str(self.workdir / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for_http(f"{self.url}/healthz", proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def race_login_link(app, raw: str, devices: int) -> list[str]:
    """`devices` threads redeem one login link at once; each result is a session token or the refusal's code."""
    import threading

    from eventapp import auth
    from eventapp.errors import ApiError

    results: list[str] = []

    def redeem():
        with app.app_context():
            try:
                results.append(auth.redeem_login_link(raw))
            except ApiError as err:
                results.append(err.code)

    threads = [threading.Thread(target=redeem) for _ in range(devices)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


# --- a phone camera ---------------------------------------------------------------------------------------


def write_y4m(path: Path, text: str, width: int = 640, height: int = 480, frames: int = 4) -> None:
    """Raw YUV4MPEG2 frames of a QR code (what a phone camera would see), for Chromium's fake camera."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    scale = int(min(width, height) * 0.85) // n
    ox, oy = (width - n * scale) // 2, (height - n * scale) // 2
    y_plane = bytearray(b"\xeb" * (width * height))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for y in range(oy + r * scale, oy + (r + 1) * scale):
                    start = y * width + ox + c * scale
                    y_plane[start : start + scale] = b"\x10" * scale
    chroma = b"\x80" * (width * height // 4)
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + bytes(y_plane) + chroma + chroma)


# --- the command line, in-process ----------------------------------------------------------------------------


def run_cli(env: dict, *args: str, code: int = 0) -> str:
    """`eventapp ARGS` with `env` as its environment; its output, once its exit code is `code`."""
    result = CliRunner().invoke(cli.main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output
