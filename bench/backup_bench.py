"""Backup under load (not a test): 20 devices scanning first check-ins against `eventapp serve` (gunicorn, gevent,
SQLite), once without backups and once with the server backing itself up every --every seconds (its periodic
backups, EVENTAPP_BACKUP_EVERY, made far more often than on the day so that many overlap the scans). Prints one JSON
object: scan latency in both runs and the backups taken. Target: scans' p99 stays under 100 ms while backups run
(issue #14).

    .venv/bin/python bench/backup_bench.py --devices 20 --per-device 100 --port 5160

The two runs use the same database and two starts of the server (with and without EVENTAPP_BACKUP_EVERY), pinned to
CPU 0 with the load generator on CPU 1 as in checkin_bench.py. Bounded: devices * per-device scans per run, a 120 s
cap per run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import tempfile
import time
from pathlib import Path

import requests
from bench_server import add_staff, bench_env, load_demo, serve, stop
from checkin_bench import add_people, run_devices

from eventapp.backup import periodic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--per-device", type=int, default=100)
    parser.add_argument("--port", type=int, default=5160)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between two of the server's backups")
    parser.add_argument("--client", choices=("node", "python"), default="node")
    args = parser.parse_args()
    pin = hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2
    on_cpu0 = (lambda: os.sched_setaffinity(0, {0})) if pin else None

    work = Path(tempfile.mkdtemp(prefix="backup-bench-"))
    url = f"http://127.0.0.1:{args.port}"
    env = bench_env(work, args.port)
    per_run = args.devices * args.per_device
    load_demo(env, args.port)
    add_people(env, 2 * per_run + 50)
    token = add_staff(env, "Bench volunteer", "volunteer")["token"]
    organizer = add_staff(env, "Bench organizer", "organizer")
    backups = work / "backups"
    if pin:
        os.sched_setaffinity(0, {1})

    def split(part: list[str]) -> list[list[str]]:
        return [part[i * args.per_device : (i + 1) * args.per_device] for i in range(args.devices)]

    server = serve(env, args.port, work, preexec_fn=on_cpu0)
    try:
        badges = requests.get(
            f"{url}/api/v1/badges.csv", headers={"Authorization": f"Bearer {organizer['token']}"}, timeout=30
        ).text
        codes = [r["code"] for r in csv.DictReader(io.StringIO(badges)) if r["name"].startswith("Bench ")]
        warm, codes = codes[:50], codes[50:]
        run_devices(url, token, [warm[i::5] for i in range(5)], time.monotonic() + 30, args.client)
        quiet = run_devices(url, token, split(codes[:per_run]), time.monotonic() + 120, args.client)
    finally:
        stop(server)

    backing_up = {
        **env,
        "EVENTAPP_BACKUP_EVERY": str(args.every / 60),
        "EVENTAPP_BACKUP_DIR": str(backups),
        "EVENTAPP_BACKUP_KEEP": "100000",
    }
    server = serve(backing_up, args.port, work, preexec_fn=on_cpu0)
    try:
        run_devices(url, token, [warm[i::5] for i in range(5)], time.monotonic() + 30, args.client)  # repeats
        time.sleep(args.every)  # the first backup is due
        before = len(periodic.backup_files(backups))
        during = run_devices(url, token, split(codes[per_run : 2 * per_run]), time.monotonic() + 120, args.client)
        taken = len(periodic.backup_files(backups)) - before
    finally:
        stop(server)
    last = periodic.backup_files(backups)[-1] if taken else None
    print(
        json.dumps(
            {
                "server": "eventapp serve (gunicorn -k gevent -w 1), SQLite WAL",
                "pinned": pin,
                f"{args.devices}_devices_no_backup": quiet,
                f"{args.devices}_devices_server_backing_up": during,
                "backups": {
                    "every_s": args.every,
                    "taken_during_run": taken,
                    "bytes": last.stat().st_size if last else None,
                },
                "targets": {"p99_ms_during_backups": 100},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
