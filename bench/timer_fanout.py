"""Benchmark (not a test): a chair's command reaching N subscribed screens over WebSocket.

Starts `eventapp demo` + `eventapp serve` (gunicorn, gevent, one worker) on 127.0.0.1 in a temporary directory
(or uses --url with --token), connects N python-socketio AsyncClients (WebSocket only) subscribed to
`timer:main`, then sends C commands from a chair socket, one at a time, and measures for each screen the time
from the chair's emit to the `timer` event carrying that command's revision (wall clock: one machine). The
screens run in several client processes, as phones are separate devices. Prints one JSON object.

    .venv/bin/python bench/timer_fanout.py --screens 500 --commands 20

Clients and server share this machine's CPUs, so the figures include the clients' own decoding time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import socketio
from bench_server import add_staff, bench_env, load_demo, serve, stop


def start_server(port: int, workdir: Path) -> tuple[subprocess.Popen, str, dict]:
    """The demo day on its real date, a chair of the room, and `eventapp serve`."""
    env = bench_env(workdir, port)
    load_demo(env, port)
    chair = add_staff(env, "Bench chair", "chair", "--room", "main")
    return serve(env, port, workdir), f"http://127.0.0.1:{port}", chair


async def connect_screen(url: str, room: str, arrivals: dict[int, list[float]]) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    seen: set[int] = set()

    @client.on("timer")
    async def on_timer(state):
        if state["revision"] not in seen:  # keyframes repeat a revision: only its first arrival counts
            seen.add(state["revision"])
            arrivals.setdefault(state["revision"], []).append(time.time())

    await client.connect(url, transports=["websocket"], wait_timeout=30)
    ack = await client.call("subscribe", {"channel": f"timer:{room}"}, timeout=30)
    assert ack["ok"], ack
    return client


async def screens_main(url: str, room: str, count: int, ready, stop) -> dict[int, list[float]]:
    arrivals: dict[int, list[float]] = {}
    clients = []
    for i in range(0, count, 25):  # a hall of phones does not arrive in one millisecond
        clients += await asyncio.gather(*(connect_screen(url, room, arrivals) for _ in range(min(25, count - i))))
    ready.set()
    while not stop.is_set():
        await asyncio.sleep(0.05)
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    return arrivals


def screens_process(url: str, room: str, count: int, ready, stop, out) -> None:
    """One client process: a share of the screens (one process alone would measure its own event loop)."""
    out.put(asyncio.run(screens_main(url, room, count, ready, stop)))


async def chair_main(url: str, token: str, room: str, commands: int) -> tuple[dict[int, float], list[float]]:
    chair = socketio.AsyncClient(reconnection=False)
    await chair.connect(url, transports=["websocket"], auth={"token": token}, wait_timeout=20)
    sent_at: dict[int, float] = {}
    acks: list[float] = []
    for n in range(commands):
        sent = time.time()
        ack = await chair.call(
            "timer_command",
            {"room_id": room, "action": "adjust", "seconds": 1 if n % 2 else -1, "command_id": uuid.uuid4().hex},
            timeout=20,
        )
        acks.append((time.time() - sent) * 1000)
        assert ack["ok"], ack
        sent_at[ack["state"]["revision"]] = sent
        await asyncio.sleep(0.5)  # one command at a time, as a chair presses them
    await chair.disconnect()
    return sent_at, acks


def run(url: str, token: str, screens: int, commands: int, room: str, procs: int) -> dict:
    ctx = mp.get_context("spawn")
    ready = [ctx.Event() for _ in range(procs)]
    stop = ctx.Event()
    out = ctx.Queue()
    shares = [screens // procs + (1 if i < screens % procs else 0) for i in range(procs)]
    started = time.monotonic()
    workers = [
        ctx.Process(target=screens_process, args=(url, room, n, r, stop, out))
        for n, r in zip(shares, ready, strict=True)
    ]
    for w in workers:
        w.start()
    for r in ready:
        if not r.wait(180):
            raise SystemExit("screens did not connect in time")
    connect_s = time.monotonic() - started
    sent_at, acks = asyncio.run(chair_main(url, token, room, commands))
    time.sleep(1.0)
    stop.set()
    arrivals: dict[int, list[float]] = {}
    for _ in workers:
        for revision, times in out.get(timeout=60).items():
            arrivals.setdefault(revision, []).extend(times)
    for w in workers:
        w.join(30)
    latencies = sorted((t - sent) * 1000 for revision, sent in sent_at.items() for t in arrivals.get(revision, []))
    missing = screens * len(sent_at) - len(latencies)

    def pct(p: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 1) if latencies else None

    return {
        "benchmark": "timer_fanout",
        "screens": screens,
        "client_processes": procs,
        "commands": len(sent_at),
        "deliveries": len(latencies),
        "missing": missing,
        "connect_seconds": round(connect_s, 2),
        "latency_ms": {
            "p50": pct(50),
            "p95": pct(95),
            "p99": pct(99),
            "max": round(latencies[-1], 1) if latencies else None,
            "mean": round(statistics.fmean(latencies), 1) if latencies else None,
        },
        "chair_ack_ms": {"p50": round(statistics.median(acks), 1), "max": round(max(acks), 1)} if acks else None,
        "target": {"p99_ms": 150, "met": bool(latencies) and pct(99) < 150 and missing == 0},
        "load_average": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=500)
    parser.add_argument("--commands", type=int, default=20)
    parser.add_argument("--port", type=int, default=5201)
    parser.add_argument("--url", help="an already running server (then --token is a chair's API token)")
    parser.add_argument("--token")
    parser.add_argument("--room", default="main")
    parser.add_argument("--procs", type=int, default=2, help="client processes sharing the screens (one per CPU)")
    args = parser.parse_args()
    proc = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            url, token = args.url, args.token
        else:
            proc, url, chair = start_server(args.port, Path(tmp))
            token = chair["token"]
        try:
            result = run(url, token, args.screens, args.commands, args.room, args.procs)
        finally:
            if proc is not None:
                stop(proc)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
