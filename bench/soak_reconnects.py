"""Soak benchmark (not a test): phones that keep reconnecting while a chair broadcasts, and the worker's memory.

Starts `eventapp demo` + `eventapp serve` (gunicorn, gevent, one worker) in a temporary directory, connects
`--phones` python-socketio AsyncClients (WebSocket) to `timer:main` in several client processes, and for
`--minutes`: a chair command every `--broadcast-seconds` (each a `timer` broadcast to every phone), and
`--reconnects` phones a second dropping and coming back (a new connection and a new subscribe, as a phone on venue
Wi-Fi). Half the phones never reconnect: they must receive every broadcast. The worker's RSS and garbage-collector
counters are read from /metrics every few seconds.

    .venv/bin/python bench/soak_reconnects.py                      # issue #13's soak: 1,000 phones, 20/s, 10 min
    .venv/bin/python bench/soak_reconnects.py --phones 200 --reconnects 10 --minutes 1   # a short check

Targets: 0 broadcasts missed by the steady phones, and RSS after the warm-up (the first third) grows by less
than 10 %. Bounded: at most 3,000 phones, 100 reconnects a second and 15 minutes. `--gc-threshold a,b,c` runs the
server with other garbage-collector thresholds (EVENTAPP_GC_THRESHOLD), to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

import requests
import socketio
from bench_server import add_staff, bench_env, load_demo, serve, stop

ROOM = "main"


async def connect_phone(url: str, seen: set[int] | None) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    if seen is not None:

        @client.on("timer")
        async def on_timer(state):
            seen.add(state["revision"])

    await client.connect(url, transports=["websocket"], wait_timeout=30)
    ack = await client.call("subscribe", {"channel": f"timer:{ROOM}"}, timeout=30)
    assert ack["ok"], ack
    return client


async def phones_main(url: str, steady: int, churn: int, rate: float, ready, stop_event) -> dict:
    seen = [set() for _ in range(steady)]
    steady_clients = []
    for i in range(0, steady, 25):
        steady_clients += await asyncio.gather(*(connect_phone(url, seen[j]) for j in range(i, min(i + 25, steady))))
    churn_clients = []
    for i in range(0, churn, 25):
        churn_clients += await asyncio.gather(*(connect_phone(url, None) for _ in range(min(25, churn - i))))
    ready.set()
    reconnects, failures = 0, 0
    interval = 1.0 / rate if rate > 0 else None
    next_at = time.monotonic()
    while not stop_event.is_set():
        if interval is None or not churn_clients:
            await asyncio.sleep(0.1)
            continue
        next_at += interval
        i = random.randrange(len(churn_clients))
        try:
            await churn_clients[i].disconnect()
            churn_clients[i] = await connect_phone(url, None)
            reconnects += 1
        except Exception:  # counted; the phone is tried again later
            failures += 1
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.gather(*(c.disconnect() for c in steady_clients + churn_clients), return_exceptions=True)
    return {"seen": [sorted(s) for s in seen], "reconnects": reconnects, "reconnect_failures": failures}


def phones_process(url: str, steady: int, churn: int, rate: float, ready, stop_event, out) -> None:
    out.put(asyncio.run(phones_main(url, steady, churn, rate, ready, stop_event)))


def read_metrics(url: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in requests.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def run(args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="eventapp-soak-"))
    port = args.port
    env = bench_env(workdir, port)
    if args.gc_threshold:
        env["EVENTAPP_GC_THRESHOLD"] = args.gc_threshold
    load_demo(env, port)
    chair = add_staff(env, "Soak chair", "chair", "--room", ROOM)
    server = serve(env, port, workdir)
    url = f"http://127.0.0.1:{port}"
    ctx = mp.get_context("spawn")
    procs = max(1, min(args.client_processes, 16))
    steady_total = args.phones // 2
    churn_total = args.phones - steady_total
    ready = [ctx.Event() for _ in range(procs)]
    stop_event = ctx.Event()
    out = ctx.Queue()
    share = [
        (steady_total // procs + (i < steady_total % procs), churn_total // procs + (i < churn_total % procs))
        for i in range(procs)
    ]
    workers = [
        ctx.Process(target=phones_process, args=(url, s, c, args.reconnects / procs, r, stop_event, out))
        for (s, c), r in zip(share, ready, strict=True)
    ]
    samples: list[dict] = []
    broadcasts: list[int] = []
    try:
        for w in workers:
            w.start()
        for r in ready:
            if not r.wait(300):
                raise SystemExit("phones did not connect in time")
        started = time.monotonic()
        duration = args.minutes * 60
        next_broadcast = next_sample = started
        headers = {"Authorization": f"Bearer {chair['token']}"}
        n = 0
        while time.monotonic() - started < duration:
            now = time.monotonic()
            if now >= next_broadcast:
                answer = requests.post(
                    f"{url}/api/v1/rooms/{ROOM}/timer",
                    headers=headers,
                    timeout=20,
                    json={"action": "adjust", "seconds": 1 if n % 2 else -1, "command_id": uuid.uuid4().hex},
                )
                answer.raise_for_status()
                broadcasts.append(answer.json()["revision"])
                n += 1
                next_broadcast += args.broadcast_seconds
            if now >= next_sample:
                m = read_metrics(url)
                rss_mb = round(m["process_resident_memory_bytes"] / 2**20, 1)
                samples.append(
                    {
                        "t": round(now - started, 1),
                        "rss_mb": rss_mb,
                        "sockets": m.get("eventapp_socket_connections"),
                        "gc2": m.get('python_gc_collections_total{generation="2"}'),
                        "gc_pending2": m.get('eventapp_gc_pending{generation="2"}'),
                    }
                )
                next_sample += args.sample_seconds
            time.sleep(0.05)
        time.sleep(2.0)  # the last broadcast's deliveries
    finally:
        stop_event.set()
        results = [out.get(timeout=120) for _ in workers]
        for w in workers:
            w.join(30)
        stop(server)
    seen = [set(s) for r in results for s in r["seen"]]
    missed = sum(1 for s in seen for revision in broadcasts if revision not in s)
    warm = next((x for x in samples if x["t"] >= args.minutes * 60 / 3), samples[-1])
    growth = (samples[-1]["rss_mb"] - warm["rss_mb"]) / warm["rss_mb"] * 100
    return {
        "benchmark": "soak_reconnects",
        "phones": args.phones,
        "steady_phones": len(seen),
        "reconnects_per_second": args.reconnects,
        "minutes": args.minutes,
        "broadcasts": len(broadcasts),
        "missed_by_steady_phones": missed,
        "reconnects": sum(r["reconnects"] for r in results),
        "reconnect_failures": sum(r["reconnect_failures"] for r in results),
        "rss_mb": {
            "start": samples[0]["rss_mb"],
            "after_warmup": warm["rss_mb"],
            "end": samples[-1]["rss_mb"],
            "max": max(x["rss_mb"] for x in samples),
        },
        "growth_after_warmup_percent": round(growth, 1),
        "gc_threshold": args.gc_threshold or "server default",
        "target": {"missed": 0, "growth_percent_below": 10, "met": missed == 0 and growth < 10},
        "samples": samples,
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--reconnects", type=float, default=20.0, help="reconnects a second, in all")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--broadcast-seconds", type=float, default=2.0)
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--gc-threshold", default="", help='e.g. "700,10,10" (Python\'s own)')
    parser.add_argument("--port", type=int, default=5231)
    args = parser.parse_args()
    args.phones = max(2, min(args.phones, 3000))
    args.reconnects = max(0.0, min(args.reconnects, 100.0))
    args.minutes = max(0.1, min(args.minutes, 15.0))
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
