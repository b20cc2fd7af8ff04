"""Benchmark (not a test): how closely screens behind a slow, jittery network show the same remaining time.

Starts the demo server (as bench/timer_fanout.py does), puts a TCP proxy in front of it that delays every chunk
in each direction by a random 20-200 ms (order kept), and connects N socket clients through it. Each estimates its
clock offset as static/js/live.js does (a burst of 16 `time_sync` samples 80 ms apart; round trips above
median + 1 SD dropped, the rest averaged), then takes the running timer's state. All clients share this
machine's clock, so the true offset is 0: the remaining time each would display at one instant differs only by
its offset error. The former estimator (the single lowest round trip) is reported beside it. Prints one JSON object.

    .venv/bin/python bench/timer_sync.py --clients 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import socketio

sys.path.insert(0, str(Path(__file__).parent))
from bench_server import stop  # noqa: E402
from timer_fanout import start_server  # noqa: E402

SAMPLES = 16  # as live.js
GAP_S = 0.08


async def delayed_pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, low: float, high: float) -> None:
    queue: asyncio.Queue = asyncio.Queue()
    last = 0.0

    async def send() -> None:
        while True:
            release, data = await queue.get()
            if data is None:
                break
            await asyncio.sleep(max(0.0, release - time.monotonic()))
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(send())
    try:
        while data := await reader.read(65536):
            last = max(last, time.monotonic() + random.uniform(low, high))  # order kept, as TCP does
            queue.put_nowait((last, data))
    finally:
        queue.put_nowait((0.0, None))
        await sender


async def start_proxy(target_port: int, low: float, high: float) -> tuple[asyncio.AbstractServer, int]:
    async def handle(client_r, client_w):
        up_r, up_w = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(
            delayed_pipe(client_r, up_w, low, high), delayed_pipe(up_r, client_w, low, high), return_exceptions=True
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def estimate(samples: list[tuple[float, float]], method: str) -> float:
    """live.js's estimateOffset ("filtered": drop round trips above median + 1 SD, average the rest), or the
    single lowest round trip ("lowest", the former live.js) for comparison."""
    if method == "lowest":
        return min(samples, key=lambda s: s[1])[0]
    rtts = sorted(s[1] for s in samples)
    cut = rtts[len(rtts) // 2] + statistics.pstdev(rtts)
    kept = [offset for offset, rtt in samples if rtt <= cut]
    return statistics.fmean(kept)


async def sync_clock(client: socketio.AsyncClient) -> tuple[list[tuple[float, float]], float]:
    """The burst of (offset_ms, rtt_ms) samples live.js takes, and the lowest round trip."""
    samples = []
    for _ in range(SAMPLES):
        t0 = time.time() * 1000
        reply = await client.call("time_sync", {"t0": t0}, timeout=10)
        t3 = time.time() * 1000
        samples.append((reply["server_ms"] - (t0 + t3) / 2, t3 - t0))
        await asyncio.sleep(GAP_S)
    return samples, min(s[1] for s in samples)


async def one_client(proxy_url: str) -> dict:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(proxy_url, transports=["websocket"], wait_timeout=30)
    samples, rtt = await sync_clock(client)
    ack = await client.call("subscribe", {"channel": "timer:main"}, timeout=10)
    await client.disconnect()
    return {"samples": samples, "rtt_ms": rtt, "ends_at_ms": ack["snapshot"]["ends_at_ms"]}


async def run(url: str, token: str, clients: int, low_ms: float, high_ms: float) -> dict:
    chair = socketio.AsyncClient(reconnection=False)
    await chair.connect(url, transports=["websocket"], auth={"token": token}, wait_timeout=20)
    ack = await chair.call("timer_command", {"room_id": "main", "action": "start", "command_id": uuid.uuid4().hex})
    assert ack["ok"], ack
    await chair.disconnect()
    port = int(url.rsplit(":", 1)[1])
    proxy, proxy_port = await start_proxy(port, low_ms / 1000, high_ms / 1000)
    results = await asyncio.gather(*(one_client(f"http://127.0.0.1:{proxy_port}") for _ in range(clients)))
    proxy.close()

    def p(values: list[float], q: float) -> float:
        return round(values[min(len(values) - 1, int(q / 100 * len(values)))], 1)

    def spread(method: str) -> dict:
        # At one instant T every client shows ends_at - (T + offset): the spread is the spread of the offsets.
        offsets = [estimate(r["samples"], method) for r in results]
        displayed = [r["ends_at_ms"] - o for r, o in zip(results, offsets, strict=True)]
        mid = statistics.median(displayed)
        deviation = sorted(abs(d - mid) for d in displayed)
        errors = sorted(abs(o) for o in offsets)  # one machine: the true offset is 0
        return {
            "displayed_vs_median_ms": {
                "p50": p(deviation, 50),
                "p95": p(deviation, 95),
                "max": round(deviation[-1], 1),
            },
            "pairwise_max_spread_ms": round(max(displayed) - min(displayed), 1),
            "offset_error_ms": {"p50": p(errors, 50), "p95": p(errors, 95), "max": round(errors[-1], 1)},
        }

    filtered = spread("filtered")
    return {
        "benchmark": "timer_sync",
        "clients": clients,
        "proxy_delay_ms": [low_ms, high_ms],
        "samples": SAMPLES,
        "live_js_filtered": filtered,
        "lowest_rtt_only": spread("lowest"),
        "best_rtt_ms": {"p50": p(sorted(r["rtt_ms"] for r in results), 50)},
        "target": {"p95_ms": 25, "met": filtered["displayed_vs_median_ms"]["p95"] < 25},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--port", type=int, default=5202)
    parser.add_argument("--low", type=float, default=20.0, help="least added delay per direction, ms")
    parser.add_argument("--high", type=float, default=200.0, help="most added delay per direction, ms")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url, chair = start_server(args.port, Path(tmp))
        try:
            result = asyncio.run(run(url, chair["token"], args.clients, args.low, args.high))
        finally:
            stop(proc)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
