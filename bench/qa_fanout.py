"""Q&A benchmark (not a test): a newly visible question reaching N audience sockets, and a burst of votes.

Starts `eventapp demo --no-serve` + `eventapp serve` (gunicorn, one gevent worker) in a temporary folder, connects
N python-socketio AsyncClients over WebSocket to `qa:<slot>`, then:
  1. fan-out: a chair approves a pending question (PATCH); each client stamps when the `question` event with the
     question arrives; latency = arrival - the moment before the PATCH was sent (same machine, same clock);
  2. votes: V distinct voters (signed voter cookies made with the server's secret) each vote once, spread evenly
     over S seconds; then the stored count must equal V, and we count the coalesced pushes the sockets received.
The sockets live in --procs listener processes (one Python process cannot decode 2,000 sockets' events without
adding its own queueing to the figure); arrival times are wall-clock, compared on the same machine.
Prints one JSON object. Bounded in count and time; kills the server at the end.

    .venv/bin/python bench/qa_fanout.py --clients 2000 --votes 1000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio
from bench_server import add_staff, bench_env, load_demo, serve, stop
from itsdangerous import URLSafeSerializer

SECRET = "bench-secret-" + secrets.token_hex(8)
SLOT = "keynote-2"


def start_server(port: int, workdir: Path) -> tuple[subprocess.Popen, dict]:
    """The demo day on today's date (its boards are open now), a chair, and `eventapp serve`."""
    env = bench_env(workdir, port, secret=SECRET)
    load_demo(env, port, date="today")
    chair = add_staff(env, "Bench chair", "chair")
    return serve(env, port, workdir), chair


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


# --- listener processes: the sockets live outside the process that sends, so neither starves the other ---------


def listener(url: str, count: int, ready, stop, results) -> None:
    asyncio.run(_listen(url, count, ready, stop, results))


async def _listen(url: str, count: int, ready, stop, results) -> None:
    arrivals: dict[int, list[float]] = {}  # question id -> wall-clock arrival per socket
    vote_pushes = [0] * count
    last_votes = [0] * count
    clients = []

    def attach(i: int, client: socketio.AsyncClient) -> None:
        @client.on("question")
        async def on_question(data):
            now = time.time()
            if data.get("text") is not None and data.get("status") == "visible":
                arrivals.setdefault(data["id"], []).append(now)
            if "votes" in data and "text" not in data:
                vote_pushes[i] += 1
                last_votes[i] = max(last_votes[i], data["votes"])

    async def connect(i: int) -> None:
        client = socketio.AsyncClient(reconnection=False)
        attach(i, client)
        await client.connect(url, transports=["websocket"], wait_timeout=60)
        ack = await client.call("subscribe", {"channel": f"qa:{SLOT}"}, timeout=60)
        assert ack["ok"], ack
        clients.append(client)

    for start in range(0, count, 50):  # batches, so the accept queue is not the thing measured
        await asyncio.gather(*(connect(i) for i in range(start, min(start + 50, count))))
    ready.set()
    while not stop.is_set():
        await asyncio.sleep(0.1)
    for client in clients:
        await client.disconnect()
    results.put({"arrivals": arrivals, "vote_pushes": vote_pushes, "last_votes": last_votes})


async def drive(args: argparse.Namespace, url: str, token: str) -> dict:
    """The sender: questions approved by the chair, then the vote burst. Returns send times and vote results."""
    auth = {"Authorization": f"Bearer {token}"}
    sent: dict[int, float] = {}
    async with aiohttp.ClientSession() as http:
        await http.patch(f"{url}/api/v1/sessions/opening/qa", json={"premoderation": True}, headers=auth)
        for r in range(args.rounds):
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as phone:
                resp = await phone.post(
                    f"{url}/api/v1/slots/{SLOT}/questions", json={"text": f"Benchmark question number {r}?"}
                )
                qid = (await resp.json())["id"]
            await asyncio.sleep(1.0)
            sent[qid] = time.time()
            resp = await http.patch(f"{url}/api/v1/questions/{qid}", json={"status": "visible"}, headers=auth)
            assert resp.status == 200, await resp.text()
            await asyncio.sleep(2.0)  # every socket has it long before this

        serializer = URLSafeSerializer(SECRET, salt="qa-voter")
        statuses: list[int] = []

        async def one_vote(k: int) -> None:
            await asyncio.sleep(k * args.seconds / args.votes)
            cookie = serializer.dumps(f"bench-voter-{k:06d}-{secrets.token_hex(4)}")
            try:
                resp = await http.post(
                    f"{url}/api/v1/questions/{qid}/vote",
                    headers={"Cookie": f"qa_voter={cookie}"},
                    timeout=aiohttp.ClientTimeout(total=30),
                )
                statuses.append(resp.status)
                await resp.read()
            except Exception:  # a lost request is a result to report, not a crash
                statuses.append(0)

        start = time.perf_counter()
        await asyncio.gather(*(one_vote(k) for k in range(args.votes)))
        burst_s = time.perf_counter() - start
        await asyncio.sleep(2.0)  # the last coalesced push
        async with http.get(f"{url}/api/v1/slots/{SLOT}/questions") as resp:
            board = await resp.json()
        stored = next(q["votes"] for q in board["questions"] if q["id"] == qid)
    return {"sent": sent, "statuses": statuses, "burst_s": burst_s, "stored": stored}


def run(args: argparse.Namespace, url: str, token: str) -> dict:
    ctx = multiprocessing.get_context("spawn")
    stop, results = ctx.Event(), ctx.Queue()
    shares = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0) for i in range(args.procs)]
    procs, readies = [], []
    t0 = time.perf_counter()
    for share in shares:
        ready = ctx.Event()
        proc = ctx.Process(target=listener, args=(url, share, ready, stop, results), daemon=True)
        proc.start()
        procs.append(proc)
        readies.append(ready)
    for ready in readies:
        if not ready.wait(timeout=300):
            raise SystemExit("the listeners did not connect in time")
    connect_s = time.perf_counter() - t0
    try:
        driven = asyncio.run(asyncio.wait_for(drive(args, url, token), 300))
    finally:
        stop.set()
    parts = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    rounds, all_ms = [], []
    for qid, at in driven["sent"].items():
        got = [(t - at) * 1000 for part in parts for t in part["arrivals"].get(qid, [])]
        all_ms += got
        rounds.append(
            {
                "received": len(got),
                "first_ms": round(min(got, default=float("nan")), 1),
                "p50_ms": round(pct(got, 50), 1),
                "p99_ms": round(pct(got, 99), 1),
                "max_ms": round(max(got, default=float("nan")), 1),
            }
        )
    pushes = [n for part in parts for n in part["vote_pushes"]]
    last = [n for part in parts for n in part["last_votes"]]
    statuses = driven["statuses"]
    return {
        "clients": args.clients,
        "listener_processes": args.procs,
        "connect_seconds": round(connect_s, 1),
        "fanout": {
            "rounds": rounds,
            "deliveries": len(all_ms),
            "expected": args.clients * args.rounds,
            "p50_ms": round(pct(all_ms, 50), 1),
            "p99_ms": round(pct(all_ms, 99), 1),
            "max_ms": round(max(all_ms, default=float("nan")), 1),
            "mean_ms": round(statistics.fmean(all_ms), 1) if all_ms else None,
            "target_p99_ms": 250,
        },
        "votes": {
            "sent": args.votes,
            "seconds": round(driven["burst_s"], 2),
            "ok_200": statuses.count(200),
            "failed": len(statuses) - statuses.count(200),
            "stored_count": driven["stored"],
            "lost": args.votes - driven["stored"],
            "pushes_per_socket_mean": round(statistics.fmean(pushes), 1) if pushes else None,
            "sockets_with_final_count": sum(1 for v in last if v == driven["stored"]),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--votes", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=5390)
    parser.add_argument("--procs", type=int, default=4, help="Listener processes holding the sockets.")
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, 5000))
    args.votes = max(1, min(args.votes, 5000))
    with tempfile.TemporaryDirectory() as tmp:
        proc, staff = start_server(args.port, Path(tmp))
        try:
            result = run(args, f"http://127.0.0.1:{args.port}", staff["token"])
        finally:
            stop(proc)
    result["machine"] = {"cpus": os.cpu_count(), "load_1min_at_end": round(os.getloadavg()[0], 2)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
