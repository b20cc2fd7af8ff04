"""Services a test can break: its own Redis, its own PostgreSQL cluster, a tiny filesystem that fills up. Never the
machine's shared Redis or PostgreSQL (others use them)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import socketio

from tests_support import free_port


def _missing(reason: str) -> None:
    from conftest import missing

    missing(reason)


class OwnRedis:
    """redis-server on a free port, nothing saved; stop() and start() again on the same port (an outage)."""

    def __init__(self, workdir: Path):
        if shutil.which("redis-server") is None:
            _missing("redis-server is not installed (apt-get install redis-server)")
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.exceptions.ConnectionError):
                if redis.Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


class OwnPostgres:
    """A PostgreSQL cluster of the test's own in a temporary directory (PostgreSQL refuses to run as root: as root,
    it runs as the `postgres` user), stopped and started at will."""

    def __init__(self):
        self.bin = _postgres_bin()
        if self.bin is None:
            _missing("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="eventapp-pg-", dir="/tmp"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if self.as_root:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chmod(self.dir, 0o755)
            os.chown(self.dir, user.pw_uid, user.pw_gid)

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run([*prefix, *argv], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def cleanup(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class SmallDisk:
    """A tmpfs of `size` mounted for the test (root only), to fill up and free again."""

    def __init__(self, size: str = "8m"):
        self.path = Path(tempfile.mkdtemp(prefix="eventapp-disk-", dir="/tmp"))
        if os.geteuid() != 0:
            self.path.rmdir()
            _missing("filling a disk needs a tmpfs, which only root may mount")
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(self.path)], capture_output=True, text=True
        )
        if result.returncode != 0:
            self.path.rmdir()
            _missing(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        self.filler = self.path / "filler"

    def fill(self) -> None:
        """Write until the disk is full (unbuffered: nothing is left to fail on close)."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (65536, 512):
                with contextlib.suppress(OSError):
                    while os.write(fd, b"\0" * size):
                        pass
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def cleanup(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False)
        shutil.rmtree(self.path, ignore_errors=True)


class Phone:
    """A socket.io client on one server that keeps the events it receives."""

    def __init__(self, url: str):
        self.events: dict[str, list] = {}
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.connect(url, transports=["websocket"], wait_timeout=10)

    def _record(self, event, data=None):
        with self.lock:
            self.events.setdefault(event, []).append(data)

    def subscribe(self, channel: str) -> dict:
        ack = self.client.call("subscribe", {"channel": channel}, timeout=10)
        assert ack["ok"], ack
        return ack["snapshot"]

    def timer_revision(self, initial: int) -> int:
        with self.lock:
            return max([initial, *(t["revision"] for t in self.events.get("timer", []))])

    def question_ids(self) -> set[int]:
        with self.lock:
            return {q["id"] for q in self.events.get("question", [])}

    def close(self) -> None:
        self.client.disconnect()
