"""How long `eventapp serve` takes from start to a healthy /healthz on the demo database, and where the time goes.

    .venv/bin/python bench/restart.py [--runs 5] [--db sqlite|URL]

Phases, from the server's own output: `cli` (the `eventapp serve` process: imports, migrations check, until it
hands over to gunicorn), `master` (gunicorn until it forks the worker), `worker` (the worker's imports and app,
until /healthz answers 200). `cpu` is the CPU time of the whole process
tree, start to exit: on a busy machine the wall times grow with the load, the CPU time much less. Target (issue
#13): healthy within 2 s. Bounded: a few restarts, seconds each.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

EVENTAPP = str(Path(sys.executable).with_name("eventapp"))


def free_port() -> int:
    """(Standard library only, so a production install without the test tools can run this script too.)"""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_start(env: dict[str, str]) -> dict[str, float]:
    port = free_port()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    marks: dict[str, float] = {}
    proc = subprocess.Popen(
        [EVENTAPP, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def read() -> None:
        for line in proc.stdout:
            now = time.monotonic() - started
            if "Starting gunicorn" in line:
                marks.setdefault("gunicorn", now)
            elif "Booting worker" in line:
                marks.setdefault("worker_forked", now)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = started + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        marks["healthy"] = time.monotonic() - started
                        break
            except OSError:
                time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {
        # CPU of the whole tree (cli, master, worker; shutdown included): what a quiet machine's wait is made of.
        "cpu": cpu,
        "total": marks.get("healthy", float("nan")),
        "cli": marks.get("gunicorn", float("nan")),
        "master": marks.get("worker_forked", float("nan")) - marks.get("gunicorn", float("nan")),
        "worker": marks.get("healthy", float("nan")) - marks.get("worker_forked", float("nan")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", default="sqlite", help="sqlite (a fresh demo file) or a database URL with the demo")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="eventapp-restart-"))
    env = {
        **os.environ,
        "EVENTAPP_INSTANCE_PATH": str(work),
        "EVENTAPP_SECRET_KEY": "restart-bench",
        "EVENTAPP_ACCESS_LOG": "",
    }
    if args.db != "sqlite":
        env["EVENTAPP_DATABASE_URL"] = args.db
    subprocess.run(
        [EVENTAPP, "demo", "--no-serve", "--date", "2024-08-04"], env=env, check=True, capture_output=True, timeout=120
    )
    runs = [one_start(env) for _ in range(max(1, min(args.runs, 20)))]
    result = {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}
    result["worst_total"] = round(max(r["total"] for r in runs), 3)
    result["runs"] = len(runs)
    result["load_average_1m"] = os.getloadavg()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
