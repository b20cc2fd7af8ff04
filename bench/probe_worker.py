"""What the in-worker probes (gc_census.py, memory_probe.py) share: the demo under gunicorn with eventapp's own
settings plus a probe's hook, phones that connect, subscribe and drop, and asking the hook for a report.

The hook is a gunicorn config that runs eventapp's own (EVENTAPP_PROBE_BASE) and then, in the worker, answers each
`ask-<label>` file dropped in EVENTAPP_PROBE_DIR with a `report-<label>` JSON file."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import socketio
from bench_server import bench_env, load_demo, wait_http

ROOT = Path(__file__).resolve().parent.parent


def start(port: int, hook: str, prefix: str, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path]:
    """The demo served with `hook` as gunicorn's config; (the server, the folder the hook answers in). Waits until
    it is healthy."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    folder = work / "probe"
    folder.mkdir()
    env = bench_env(work, port)
    load_demo(env, port)
    conf = work / "probe_conf.py"
    conf.write_text(hook)
    env.update(
        {
            "EVENTAPP_PROBE_BASE": str(ROOT / "eventapp" / "gunicorn_conf.py"),
            "EVENTAPP_PROBE_DIR": str(folder),
            **(extra_env or {}),
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", f"127.0.0.1:{port}", "eventapp.wsgi:app"],
        env=env,
        cwd=str(ROOT),
        stdout=(work / "server.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_http(f"http://127.0.0.1:{port}/healthz", proc, timeout=60)
    return proc, folder


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


async def phone(url: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, transports=["websocket"], wait_timeout=30)
    await client.call("subscribe", {"channel": "timer:main"}, timeout=30)
    return client


async def churn(url: str, count: int, parallel: int = 10) -> None:
    """`count` phones connect, subscribe and drop, `parallel` at a time."""

    async def one() -> None:
        c = await phone(url)
        await c.disconnect()

    for i in range(0, count, parallel):
        await asyncio.gather(*(one() for _ in range(min(parallel, count - i))))


def ask(folder: Path, label: str, timeout: float = 120) -> dict:
    """The hook's report for `label` (it writes it in the worker)."""
    (folder / f"ask-{label}").write_text("")
    report = folder / f"report-{label}"
    deadline = time.monotonic() + timeout
    while not report.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.2)
    return json.loads(report.read_text())
