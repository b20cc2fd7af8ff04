"""Backup under load (not a test): 20 devices scanning first check-ins against `eventapp serve` (gunicorn, gevent,
SQLite), once without and once with backups of the live database taken back to back (the online backup API, as
`eventapp backup` and the server's periodic backups take them). Prints one JSON object: scan latency in both runs and
the backups taken. Target: scans' p99 stays under 100 ms while backups run (issue #14).

    .venv/bin/python bench/backup_bench.py --devices 20 --per-device 100 --port 5160

The backups run in this process (snapshot.online_copy in a thread), so the figure is the backup's own cost on the
server, without a Python start-up per `eventapp backup` competing for the two cores. Bounded: devices * per-device
scans per run, a 120 s cap per run, and the backup loop stops with the run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import requests
from bench_server import add_staff, bench_env, load_demo, serve, stop
from checkin_bench import add_people, run_devices

from eventapp.backup import snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--per-device", type=int, default=100)
    parser.add_argument("--port", type=int, default=5160)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between two backups")
    parser.add_argument("--client", choices=("node", "python"), default="node")
    args = parser.parse_args()
    pin = hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2

    work = Path(tempfile.mkdtemp(prefix="backup-bench-"))
    url = f"http://127.0.0.1:{args.port}"
    env = bench_env(work, args.port)
    per_run = args.devices * args.per_device
    load_demo(env, args.port)
    add_people(env, 2 * per_run + 50)
    token = add_staff(env, "Bench volunteer", "volunteer")["token"]
    organizer = add_staff(env, "Bench organizer", "organizer")
    database = work / "bench.db"

    server = serve(env, args.port, work, preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if pin else None)
    backups: list[dict] = []
    try:
        if pin:
            os.sched_setaffinity(0, {1})
        badges = requests.get(f"{url}/api/v1/badges.csv", headers={"Authorization": f"Bearer {organizer['token']}"},
                              timeout=30).text  # fmt: skip
        codes = [r["code"] for r in csv.DictReader(io.StringIO(badges)) if r["name"].startswith("Bench ")]
        warm, codes = codes[:50], codes[50:]
        run_devices(url, token, [warm[i::5] for i in range(5)], time.monotonic() + 30, args.client)

        def split(part: list[str]) -> list[list[str]]:
            return [part[i * args.per_device : (i + 1) * args.per_device] for i in range(args.devices)]

        quiet = run_devices(url, token, split(codes[:per_run]), time.monotonic() + 120, args.client)

        done = threading.Event()

        def keep_backing_up() -> None:
            n = 0
            while not done.is_set():
                t0 = time.perf_counter()
                contents = snapshot.online_copy(database, work / f"backup-{n % 2}.db")
                backups.append({"ms": round((time.perf_counter() - t0) * 1000, 1), "bytes": contents.size_bytes})
                n += 1
                done.wait(args.pause)

        loop = threading.Thread(target=keep_backing_up)
        loop.start()
        try:
            during = run_devices(url, token, split(codes[per_run : 2 * per_run]), time.monotonic() + 120, args.client)
        finally:
            done.set()
            loop.join(timeout=60)
    finally:
        stop(server)
    took = sorted(b["ms"] for b in backups)
    print(json.dumps({
        "server": "eventapp serve (gunicorn -k gevent -w 1), SQLite WAL",
        "pinned": pin,
        f"{args.devices}_devices_no_backup": quiet,
        f"{args.devices}_devices_during_backups": during,
        "backups": {"count": len(backups), "median_ms": took[len(took) // 2] if took else None,
                    "max_ms": took[-1] if took else None, "bytes": backups[-1]["bytes"] if backups else None},
        "targets": {"p99_ms_during_backups": 100},
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
