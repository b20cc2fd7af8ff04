"""Q&A benchmark (not a test): a newly visible question reaching N audience sockets, and a burst of votes.

Starts `eventapp demo --no-serve` + `eventapp serve` (gunicorn, one gevent worker) in a temporary folder, connects
N python-socketio AsyncClients over WebSocket to `qa:<slot>`, then:
  1. fan-out: a chair approves a pending question (PATCH); each client stamps when the `question` event with the
     question arrives; latency = arrival - the moment before the PATCH was sent (same machine, same clock);
  2. votes: V distinct voters (signed voter cookies made with the server's secret) each vote once, spread evenly
     over S seconds; then the stored count must equal V, and we count the coalesced pushes the sockets received.
Prints one JSON object. Bounded in count and time; kills the server at the end.

    .venv/bin/python bench/qa_fanout.py --clients 2000 --votes 1000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import requests
import socketio
from itsdangerous import URLSafeSerializer

EVENTAPP = str(Path(sys.executable).with_name("eventapp"))
SECRET = "bench-secret-" + secrets.token_hex(8)
SLOT = "keynote-2"


def start_server(port: int, workdir: Path) -> tuple[subprocess.Popen, dict]:
    env = {
        **os.environ,
        "EVENTAPP_INSTANCE_PATH": str(workdir),
        "EVENTAPP_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "EVENTAPP_SECRET_KEY": SECRET,
        "EVENTAPP_BASE_URL": f"http://127.0.0.1:{port}",
        "EVENTAPP_ACCESS_LOG": "",
        "EVENTAPP_LOG_LEVEL": "WARNING",
    }
    subprocess.run([EVENTAPP, "demo", "--no-serve", "--date", "today", "--port", str(port)], env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    out = subprocess.run([EVENTAPP, "staff", "add", "--name", "Bench chair", "--role", "chair", "--json"], env=env,
                         check=True, capture_output=True, text=True, timeout=60)  # fmt: skip
    staff = json.loads(out.stdout)
    log = (workdir / "server.log").open("ab")
    proc = subprocess.Popen([EVENTAPP, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return proc, staff
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run(args: argparse.Namespace, url: str, token: str) -> dict:
    auth = {"Authorization": f"Bearer {token}"}
    arrivals: dict[int, dict[int, float]] = {}  # question id -> client index -> arrival (perf_counter)
    vote_pushes: list[int] = [0] * args.clients
    last_votes: list[int] = [0] * args.clients
    clients: list[socketio.AsyncClient] = []

    def attach(i: int, client: socketio.AsyncClient) -> None:
        @client.on("question")
        async def on_question(data):
            now = time.perf_counter()
            if data.get("text") is not None and data.get("status") == "visible":
                arrivals.setdefault(data["id"], {}).setdefault(i, now)
            if "votes" in data and "text" not in data:
                vote_pushes[i] += 1
                last_votes[i] = max(last_votes[i], data["votes"])

    async def connect(i: int) -> None:
        client = socketio.AsyncClient(reconnection=False)
        attach(i, client)
        await client.connect(url, transports=["websocket"], wait_timeout=30)
        ack = await client.call("subscribe", {"channel": f"qa:{SLOT}"}, timeout=30)
        assert ack["ok"], ack
        clients.append(client)

    t0 = time.perf_counter()
    for start in range(0, args.clients, 100):  # batches, so the accept queue is not the thing measured
        await asyncio.gather(*(connect(i) for i in range(start, min(start + 100, args.clients))))
    connect_s = time.perf_counter() - t0

    latencies_ms: list[float] = []
    rounds = []
    async with aiohttp.ClientSession() as http:
        await http.patch(f"{url}/api/v1/sessions/opening/qa", json={"premoderation": True}, headers=auth)
        for r in range(args.rounds):
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(cookie_jar=jar) as phone:
                resp = await phone.post(f"{url}/api/v1/slots/{SLOT}/questions",
                                        json={"text": f"Benchmark question number {r}?"})  # fmt: skip
                qid = (await resp.json())["id"]
            await asyncio.sleep(0.5)
            sent = time.perf_counter()
            resp = await http.patch(f"{url}/api/v1/questions/{qid}", json={"status": "visible"}, headers=auth)
            assert resp.status == 200, await resp.text()
            deadline = time.perf_counter() + 10
            while len(arrivals.get(qid, {})) < args.clients and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)
            got = [(t - sent) * 1000 for t in arrivals.get(qid, {}).values()]
            latencies_ms += got
            rounds.append({"received": len(got), "p50_ms": round(pct(got, 50), 1), "p99_ms": round(pct(got, 99), 1),
                           "max_ms": round(max(got), 1)})  # fmt: skip
            await asyncio.sleep(0.5)

        # The vote burst: V distinct voters on the last question, evenly over S seconds.
        serializer = URLSafeSerializer(SECRET, salt="qa-voter")
        statuses: list[int] = []

        async def one_vote(k: int) -> None:
            await asyncio.sleep(k * args.seconds / args.votes)
            cookie = serializer.dumps(f"bench-voter-{k:06d}-{secrets.token_hex(4)}")
            try:
                resp = await http.post(f"{url}/api/v1/questions/{qid}/vote", headers={"Cookie": f"qa_voter={cookie}"},
                                       timeout=aiohttp.ClientTimeout(total=30))  # fmt: skip
                statuses.append(resp.status)
                await resp.read()
            except Exception:  # a lost request is a result to report, not a crash
                statuses.append(0)

        start = time.perf_counter()
        await asyncio.gather(*(one_vote(k) for k in range(args.votes)))
        burst_s = time.perf_counter() - start
        await asyncio.sleep(1.5)  # let the last coalesced push arrive
        async with http.get(f"{url}/api/v1/slots/{SLOT}/questions") as resp:
            board = await resp.json()
        stored = next(q["votes"] for q in board["questions"] if q["id"] == qid)

    for client in clients:
        await client.disconnect()
    return {
        "clients": args.clients,
        "connect_seconds": round(connect_s, 1),
        "fanout": {
            "rounds": rounds,
            "deliveries": len(latencies_ms),
            "expected": args.clients * args.rounds,
            "p50_ms": round(pct(latencies_ms, 50), 1),
            "p99_ms": round(pct(latencies_ms, 99), 1),
            "max_ms": round(max(latencies_ms), 1),
            "mean_ms": round(statistics.fmean(latencies_ms), 1),
            "target_p99_ms": 250,
        },
        "votes": {
            "sent": args.votes,
            "seconds": round(burst_s, 2),
            "ok_200": statuses.count(200),
            "failed": len(statuses) - statuses.count(200),
            "stored_count": stored,
            "lost": args.votes - stored,
            "pushes_per_socket_mean": round(statistics.fmean(vote_pushes), 1),
            "sockets_with_final_count": sum(1 for v in last_votes if v == stored),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--votes", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=5390)
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, 5000))
    args.votes = max(1, min(args.votes, 5000))
    with tempfile.TemporaryDirectory() as tmp:
        proc, staff = start_server(args.port, Path(tmp))
        try:
            result = asyncio.run(asyncio.wait_for(run(args, f"http://127.0.0.1:{args.port}", staff["token"]), 600))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    result["machine"] = {"cpus": os.cpu_count(), "load_1min_at_end": round(os.getloadavg()[0], 2)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
