"""Check-in load benchmark (not a test): N devices scanning distinct badges at once against `eventapp serve`
(gunicorn, gevent, one worker) on SQLite. Prints one JSON object: throughput and latency percentiles.

    .venv/bin/python bench/checkin_bench.py --devices 20 --per-device 150 --port 5150

Measured the way pretix measures its check-in throughput: fresh data, the server pinned to CPU 0 and
the load generator to CPU 1 when the machine has two cores, one keep-alive HTTP connection per device. The load
generator is bench/node/checkin_loadgen.js (--client python: threads with `requests`, which cost about as much CPU
per scan as the server and queue on the GIL, so their latency is partly the client's own).
Bounded: at most devices * per-device requests, each with a 10 s timeout, and a 300 s cap on the whole run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from bench_server import add_staff, bench_env, load_demo, serve, stop

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def add_people(env: dict, count: int) -> None:
    """Registrations beyond the demo's, so every scan in the run is a first check-in."""
    code = (
        "from eventapp import create_app, db\n"
        "from eventapp.program.models import Person\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    with db.session_scope() as s:\n"
        f"        for i in range({count}):\n"
        "            s.add(Person(name=f'Bench {i:05d}', sort_name=f'Bench {i:05d}', attendance='in_person'))\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)


NODE_LOADGEN = Path(__file__).resolve().parent / "node" / "checkin_loadgen.js"


def run_devices(url: str, token: str, codes: list[list[str]], deadline: float, client: str = "node") -> dict:
    """One closed-loop run: each device scans its codes one after another. `client`: node (the default, a lean
    event loop) or python (threads with `requests`, whose GIL hand-offs add their own latency; for comparison)."""
    if client == "python":
        return run_devices_python(url, token, codes, deadline)
    job = {"url": url, "token": token, "devices": codes, "deadline_s": max(1.0, deadline - time.monotonic())}
    out = subprocess.run(
        ["node", str(NODE_LOADGEN)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=job["deadline_s"] + 60,
        check=True,
    )
    return json.loads(out.stdout)


def run_devices_python(url: str, token: str, codes: list[list[str]], deadline: float) -> dict:
    latencies: list[float] = []
    results: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(codes))

    def device(n: int, mine: list[str]) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        barrier.wait()
        for code in mine:
            if time.monotonic() > deadline:
                break
            body = {"code": code, "nonce": uuid.uuid4().hex, "device": f"Bench {n}"}
            t0 = time.perf_counter()
            try:
                r = session.post(f"{url}/api/v1/checkins", json=body, timeout=10)
                key = str(r.status_code)
            except requests.RequestException as exc:
                key = type(exc).__name__
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(dt)
                results[key] = results.get(key, 0) + 1

    threads = [threading.Thread(target=device, args=(i, c)) for i, c in enumerate(codes)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {
        "requests": len(latencies),
        "status_counts": results,
        "seconds": round(elapsed, 3),
        "throughput_per_s": round(len(latencies) / elapsed, 1) if elapsed else None,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "client": "python",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--per-device", type=int, default=150)
    parser.add_argument("--port", type=int, default=5150)
    parser.add_argument("--no-pin", action="store_true", help="do not pin server and client to separate cores")
    parser.add_argument(
        "--client",
        choices=("node", "python"),
        default="node",
        help="load generator: node (default) or python threads (for comparison)",
    )
    args = parser.parse_args()
    pin = not args.no_pin and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2

    work = Path(tempfile.mkdtemp(prefix="checkin-bench-"))
    url = f"http://127.0.0.1:{args.port}"
    env = bench_env(work, args.port)
    total = args.devices * args.per_device
    load_demo(env, args.port)
    add_people(env, total + 50)
    token = add_staff(env, "Bench volunteer", "volunteer")["token"]
    organizer = add_staff(env, "Bench organizer", "organizer")

    server = serve(env, args.port, work, preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if pin else None)
    try:
        if pin:
            os.sched_setaffinity(0, {1})
        badges_csv = requests.get(
            f"{url}/api/v1/badges.csv", headers={"Authorization": f"Bearer {organizer['token']}"}, timeout=30
        ).text
        codes = [r["code"] for r in csv.DictReader(io.StringIO(badges_csv)) if r["name"].startswith("Bench ")]
        warm, codes = codes[:50], codes[50:]
        client = args.client
        run_devices(url, token, [warm[i::5] for i in range(5)], time.monotonic() + 30, client)  # warm-up only
        single = run_devices(url, token, [codes[:200]], time.monotonic() + 60, client)
        rest = codes[200:]
        per = max(1, min(args.per_device, len(rest) // args.devices))
        loaded = run_devices(
            url, token, [rest[i * per : (i + 1) * per] for i in range(args.devices)], time.monotonic() + 300, client
        )
        repeats = run_devices(
            url, token, [rest[i * per : i * per + 50] for i in range(args.devices)], time.monotonic() + 120, client
        )
    finally:
        stop(server)
    print(
        json.dumps(
            {
                "server": "eventapp serve (gunicorn -k gevent -w 1), SQLite WAL",
                "pinned": pin,
                "single_device_first_checkins": single,
                f"{args.devices}_devices_first_checkins": loaded,
                f"{args.devices}_devices_repeat_scans": repeats,
                "targets": {"p99_ms": 50, "throughput_per_s": 500},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
