"""The benchmark harness behind `make bench` and `make bench-quick`: writes bench/results/latest.json and latest.md.

    .venv/bin/python bench/run.py --quick            # < 3 minutes: fan-out at 250 and 1,000 phones, the rest once
    .venv/bin/python bench/run.py                    # full: 250 .. 4,000 phones, 2 reps, scale-out
    .venv/bin/python bench/run.py --only fanout --sizes 250 --reps 1   # while developing

Fan-out: the same Node load generator (bench/node/loadgen.js: a `ws` WebSocket per phone speaking Socket.IO, or
socket.io-client 4.8 with --client socketio; both offer permessage-deflate, as browsers do) against
`eventapp serve` (production settings; a real timer command through POST /api/v1/rooms/main/timer, phones
subscribed to `timer:main`) and against a minimal Node socket.io 4.8 server broadcasting the same payload
(bench/node/reference_server.js). Server on CPU 0, load generator on CPU 1, the two servers back to back per size,
the order alternating per rep. Scale-out: two eventapp processes on PostgreSQL and
Redis, the phones split across both. Check-in, timer sync and the vote burst call the feature scripts beside this
one; pages: bench/pages.py (Chromium, Fast 3G, behind the shipped nginx config).

Every process started here is stopped here (by its own pid or process group); every wait is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import requests
from bench_server import wait_http

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
NODE_DIR = BENCH / ".node"
RESULTS = BENCH / "results"
EVENTAPP = str(Path(sys.executable).with_name("eventapp"))
PORTS = iter(range(5400, 5500))
TWO_CORES = (os.cpu_count() or 1) >= 2
SERVER_CPU, LOADGEN_CPU = "0", "1"


def log(*parts: object) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]", *parts, file=sys.stderr, flush=True)


def port() -> int:
    return next(PORTS)


def pinned(cpu: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *argv] if TWO_CORES and shutil.which("taskset") else argv


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def stop(proc: subprocess.Popen | None) -> None:
    """Stop a process started with start_new_session=True, and everything in its group."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    deadline = time.monotonic() + 10  # gunicorn's worker leaves with its master: wait for the whole group
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def worker_pid(master: int, timeout: float = 10) -> int:
    """gunicorn's worker (the process that holds the sockets) under `eventapp serve`'s master."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    return master


# --- eventapp --------------------------------------------------------------------------------------------


class Eventapp:
    """One eventapp database (demo loaded once, an organizer token) and `eventapp serve` processes on it."""

    def __init__(self, workdir: Path, env_extra: dict[str, str] | None = None):
        self.workdir = workdir
        self.env = {
            **os.environ,
            "EVENTAPP_INSTANCE_PATH": str(workdir),
            "EVENTAPP_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "EVENTAPP_SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "EVENTAPP_ACCESS_LOG": "",
            "EVENTAPP_LOG_LEVEL": "WARNING",
            **(env_extra or {}),
        }
        self.token = ""

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [EVENTAPP, *args], env=self.env, capture_output=True, text=True, timeout=180, check=True
        ).stdout

    def prepare(self) -> None:
        self.cli("demo", "--no-serve", "--date", "2024-08-04")
        self.token = json.loads(self.cli("staff", "add", "--name", "Bench organizer", "--role", "organizer", "--json"))[
            "token"
        ]

    @contextlib.contextmanager
    def serve(self, p: int, cpu: str = SERVER_CPU, env: dict[str, str] | None = None) -> Iterator[dict]:
        url = f"http://127.0.0.1:{p}"
        logf = (self.workdir / f"server-{p}.log").open("ab")
        proc = subprocess.Popen(
            pinned(cpu, [EVENTAPP, "serve", "--host", "127.0.0.1", "--port", str(p)]),
            env={**self.env, "EVENTAPP_BASE_URL": url, **(env or {})},
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_http(f"{url}/healthz", proc)
            # taskset execs the command, so proc.pid is eventapp serve, which execs gunicorn's master.
            yield {"url": url, "pid": worker_pid(proc.pid), "proc": proc}
        finally:
            stop(proc)
            logf.close()


@contextlib.contextmanager
def reference_server(p: int) -> Iterator[dict]:
    url = f"http://127.0.0.1:{p}"
    proc = subprocess.Popen(
        pinned(SERVER_CPU, ["node", str(BENCH / "node" / "reference_server.js"), str(p)]),
        env={**os.environ, "NODE_PATH": str(NODE_DIR / "node_modules")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_http(f"{url}/healthz", proc)
        yield {"url": url, "pid": proc.pid, "proc": proc}
    finally:
        stop(proc)


def loadgen(
    target: str,
    urls: list[str],
    pids: list[int],
    n: int,
    k: int,
    *,
    client: str,
    token: str = "",
    payload: Path | None = None,
    interval: int = 500,
) -> dict:
    argv = [
        "node",
        str(BENCH / "node" / "loadgen.js"),
        "--target",
        target,
        "--client",
        client,
        "--urls",
        ",".join(urls),
        "--pids",
        ",".join(map(str, pids)),
        "--n",
        str(n),
        "--k",
        str(k),
        "--interval",
        str(interval),
        "--token",
        token,
        "--payload",
        str(payload or ""),
        "--cap",
        "280",
    ]
    out = subprocess.run(
        pinned(LOADGEN_CPU, argv),
        env={**os.environ, "NODE_PATH": str(NODE_DIR / "node_modules")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode != 0:
        raise RuntimeError(f"loadgen failed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def fanout(
    sizes: list[int],
    reps: int,
    k: int,
    env_extra: dict[str, str] | None = None,
    servers: tuple[str, ...] = ("eventapp", "reference"),
    client: str = "raw",
) -> list[dict]:
    """eventapp and the reference at each size, back to back, the order alternating per rep."""
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        app = Eventapp(Path(tmp), env_extra)
        app.prepare()
        payload = Path(tmp) / "timer-payload.json"
        for rep in range(reps):
            for n in sizes:
                order = ["eventapp", "reference"] if (rep + sizes.index(n)) % 2 == 0 else ["reference", "eventapp"]
                if not payload.exists():
                    order = ["eventapp", "reference"]  # the reference broadcasts the payload eventapp sends
                for server in (s for s in order if s in servers):
                    log(f"fan-out rep {rep + 1}/{reps}: {server}, {n} phones")
                    if server == "eventapp":
                        with app.serve(port()) as s:
                            payload.write_text(requests.get(f"{s['url']}/api/v1/rooms/main/timer", timeout=10).text)
                            r = loadgen("eventapp", [s["url"]], [s["pid"]], n, k, client=client, token=app.token)
                    else:
                        with reference_server(port()) as s:
                            r = loadgen("reference", [s["url"]], [s["pid"]], n, k, client=client, payload=payload)
                    r.update(server=server, rep=rep + 1, payload_bytes=payload.stat().st_size)
                    log(
                        f"  last p50 {r['last_ms_p50']} ms, p99 {r['last_ms_p99']} ms, median {r['median_ms_p50']} ms, "
                        f"{r['rss_kb_per_client']} KB/phone, missing {r['missing']}, ext {r['extensions']!r}"
                    )
                    runs.append(r)
    return runs


def summarize_fanout(runs: list[dict]) -> tuple[list[dict], list[dict]]:
    """One row per (server, size): medians over reps; and the eventapp/reference ratio per size."""
    rows = []
    for server in ("eventapp", "reference"):
        for n in sorted({r["requested"] for r in runs}):
            mine = [r for r in runs if r["server"] == server and r["requested"] == n]
            if not mine:
                continue

            def med(key: str, mine: list[dict] = mine) -> float | None:
                values = [r[key] for r in mine if r.get(key) is not None]
                return round(statistics.median(values), 1) if values else None

            rows.append(
                {
                    "server": server,
                    "clients": n,
                    "connected": min(r["clients"] for r in mine),
                    "reps": len(mine),
                    "last_ms_p50": med("last_ms_p50"),
                    "last_ms_p99": med("last_ms_p99"),
                    "last_ms_max": med("last_ms_max"),
                    "median_ms_p50": med("median_ms_p50"),
                    "rss_kb_per_client": med("rss_kb_per_client"),
                    "rss_kb_per_client_after": med("rss_kb_per_client_after"),
                    "server_cpu_ms_per_broadcast": med("server_cpu_ms_per_broadcast"),
                    "loadgen_cpu_ms_per_broadcast": med("loadgen_cpu_ms_per_broadcast"),
                    "missing": sum(r["missing"] for r in mine),
                    "extensions": mine[0]["extensions"],
                }
            )
    ratios = []
    for n in sorted({r["clients"] for r in rows}):
        e = next((r for r in rows if r["server"] == "eventapp" and r["clients"] == n), None)
        ref = next((r for r in rows if r["server"] == "reference" and r["clients"] == n), None)
        if e and ref:
            ratios.append(
                {
                    "clients": n,
                    **{
                        key: round(e[key] / ref[key], 2) if e[key] and ref[key] else None
                        for key in ("last_ms_p50", "last_ms_p99", "median_ms_p50", "rss_kb_per_client")
                    },
                }
            )
    return rows, ratios


# --- scale-out -------------------------------------------------------------------------------------------

POSTGRES_ADMIN_URL = os.environ.get("EVENTAPP_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("EVENTAPP_BENCH_REDIS", "redis://127.0.0.1:6379/0")


def scaleout(n: int, k: int, client: str = "raw") -> dict:
    """The fan-out against two eventapp processes sharing PostgreSQL and Redis, the phones split across both."""
    import redis
    from sqlalchemy import create_engine, text

    name = f"eventapp_bench_{uuid.uuid4().hex[:10]}"
    channel = f"eventapp-bench-{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - a missing service is a result to report
        admin.dispose()
        return {"skipped": f"PostgreSQL or Redis not reachable: {exc.__class__.__name__}"}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp:
            app = Eventapp(
                Path(tmp),
                {
                    "EVENTAPP_DATABASE_URL": POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
                    "EVENTAPP_MESSAGE_QUEUE": REDIS_URL,
                    "EVENTAPP_MESSAGE_QUEUE_CHANNEL": channel,
                    "EVENTAPP_RATELIMIT_STORAGE": REDIS_URL,
                },
            )
            t0 = time.monotonic()
            app.prepare()
            log(f"scale-out: demo loaded on PostgreSQL in {time.monotonic() - t0:.0f} s")
            log(f"scale-out: two eventapp processes + Redis + PostgreSQL, {n} phones")
            # Both processes share CPU 0, the budget of the single-process run: this shows the cross-process
            # broadcast and its cost, not extra capacity (a 2-core machine has none to give).
            with app.serve(port()) as a, app.serve(port()) as b:
                # The room's timer row exists before the phones arrive (as after a chair's first look): on
                # PostgreSQL the first concurrent reads of a room nobody has opened race to create it (reported).
                requests.get(f"{a['url']}/api/v1/rooms/main/timer", timeout=10).raise_for_status()
                r = loadgen(
                    "eventapp", [a["url"], b["url"]], [a["pid"], b["pid"]], n, k, client=client, token=app.token
                )
            r.update(server="eventapp x2 + redis + postgresql")
            log(
                f"  last p50 {r['last_ms_p50']} ms, p99 {r['last_ms_p99']} ms, missing {r['missing']}, "
                f"{r['clients']}/{n} connected {r['failure_reasons'] or ''}"
            )
            return r
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        with contextlib.suppress(Exception):
            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"{channel}*", count=1000):
                client.delete(key)


# --- the feature scripts ---------------------------------------------------------------------------------


def script(name: str, *args: str, timeout: float = 300) -> dict:
    out = subprocess.run(
        [sys.executable, str(BENCH / name), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed: {out.stderr[-2000:]}")
    text_out = out.stdout.strip()
    return json.loads(text_out[text_out.index("{") :])


def checkin(devices: int, per_device: int) -> dict:
    log(f"check-in: {devices} devices x {per_device} badges")
    raw = script("checkin_bench.py", "--devices", str(devices), "--per-device", str(per_device), "--port", str(port()))
    loaded = raw[f"{devices}_devices_first_checkins"]
    return {
        "devices": devices,
        "scans": loaded["requests"],
        "per_s": loaded["throughput_per_s"],
        "p50_ms": loaded["p50_ms"],
        "p99_ms": loaded["p99_ms"],
        "max_ms": loaded["max_ms"],
        "statuses": loaded["status_counts"],
        "repeat_scans": raw[f"{devices}_devices_repeat_scans"],
        "single_device": raw["single_device_first_checkins"],
    }


def timer_sync(clients: int) -> dict:
    log(f"timer sync: {clients} clients behind a 20-200 ms proxy")
    raw = script("timer_sync.py", "--clients", str(clients), "--port", str(port()))
    f = raw["live_js_filtered"]
    return {
        "clients": clients,
        "spread_ms_p95": f["displayed_vs_median_ms"]["p95"],
        "spread_ms_max": f["displayed_vs_median_ms"]["max"],
        "pairwise_max_ms": f["pairwise_max_spread_ms"],
        "proxy_delay_ms": raw["proxy_delay_ms"],
    }


def votes(count: int, seconds: float, clients: int) -> dict:
    log(f"votes: {count} distinct voters in {seconds} s, {clients} sockets watching")
    raw = script(
        "qa_fanout.py",
        "--clients",
        str(clients),
        "--rounds",
        "1",
        "--votes",
        str(count),
        "--seconds",
        str(seconds),
        "--procs",
        "1",
        "--port",
        str(port()),
    )
    v = raw["votes"]
    return {
        "sent": v["sent"],
        "counted": v["stored_count"],
        "seconds": v["seconds"],
        "ok_200": v["ok_200"],
        "failed": v["failed"],
        "sockets_with_final_count": v["sockets_with_final_count"],
        "sockets": clients,
    }


def first_scan(runs: int) -> dict:
    log(f"first scan: {runs} fresh phones from the sign-in link to the first green scan (fake camera)")
    return script("first_scan.py", "--port", str(port()), "--runs", str(runs), timeout=240)


def pages() -> dict:
    log("pages: Chromium, Fast 3G, behind nginx (gzip)")
    return script("pages.py", "--port", str(port()), "--nginx-port", str(port()), timeout=240)


# --- report ----------------------------------------------------------------------------------------------


def versions() -> dict:
    out = {"python": platform.python_version()}
    for dist in (
        "flask",
        "flask-socketio",
        "python-socketio",
        "python-engineio",
        "simple-websocket",
        "wsproto",
        "gunicorn",
        "gevent",
        "sqlalchemy",
        "playwright",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist] = metadata.version(dist)
    out["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    for pkg in ("socket.io", "socket.io-client", "engine.io", "ws"):
        meta = NODE_DIR / "node_modules" / pkg / "package.json"
        if meta.exists():
            out[f"npm:{pkg}"] = json.loads(meta.read_text())["version"]
    with contextlib.suppress(Exception):
        out["chromium"] = subprocess.run(
            ["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    if os.environ.get("EVENTAPP_BENCH_SOURCE"):  # a tree that is not a checkout says what it is
        out["eventapp_source"] = os.environ["EVENTAPP_BENCH_SOURCE"]
    with contextlib.suppress(Exception):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        if commit.returncode == 0 and commit.stdout.strip():
            out["eventapp_commit"] = commit.stdout.strip()
    return out


def machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(mem / 1024 / 1024, 1),
        "kernel": platform.release(),
        "pinned": TWO_CORES,
    }


TARGETS = {
    "fanout_4000_last_p50_ratio": 1.5,
    "fanout_4000_last_p99_ms": 250,
    "fanout_4000_kb_per_client": 60,
    "checkin_p99_ms": 50,
    "checkin_per_s": 500,
    "timer_spread_p95_ms": 25,
    "audience_page_kb": 100,
    "audience_first_render_ms": 1500,
}


PHONES = {
    "raw": "one Node process, a `ws` WebSocket per phone speaking Socket.IO itself (bench/node/loadgen.js)",
    "socketio": "one Node process, a socket.io-client 4.8 per phone",
}


def markdown(result: dict) -> str:
    m, lines = result["machine"], []
    lines += [
        f"# eventapp benchmarks ({result['mode']})",
        "",
        f"{result['finished_at']} on {m['cores']} cores ({m['cpu']}, {m['memory_gb']} GB, Linux {m['kernel']}); "
        f"load average {m['load_before']} before, {m['load_after']} after. Server on CPU 0, load generator on "
        "CPU 1. Loopback only: latencies exclude any real network.",
        "",
    ]
    phones = PHONES[result.get("loadgen_client", "socketio")]
    if result.get("fanout"):
        lines += [
            "## Fan-out: a timer command reaching every phone (WebSocket, clients offer permessage-deflate)",
            "",
            f"Phones: {phones}.",
            "",
            "| server | phones | last phone p50 | last phone p99 | median phone p50 | KB/phone | server CPU/bc |"
            " phones' CPU/bc | missing | compression |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in result["fanout"]:
            lines.append(
                f"| {r['server']} | {r['clients']} | {r['last_ms_p50']} ms | {r['last_ms_p99']} ms | "
                f"{r['median_ms_p50']} ms | {r['rss_kb_per_client']} | "
                f"{r['server_cpu_ms_per_broadcast']} ms | {r['loadgen_cpu_ms_per_broadcast']} ms | "
                f"{r['missing']} | {r['extensions'] or 'none'} |"
            )
        lines += [
            "",
            "| phones | eventapp / reference: last p50 | last p99 | median p50 | KB/phone |",
            "|---|---|---|---|---|",
        ]
        for r in result["fanout_ratio"]:
            lines.append(
                f"| {r['clients']} | {r['last_ms_p50']}x | {r['last_ms_p99']}x | {r['median_ms_p50']}x | "
                f"{r['rss_kb_per_client']}x |"
            )
        lines.append("")
    z = result.get("fanout_ws_compression_on")
    if z:
        lines += [
            f"With `EVENTAPP_WS_COMPRESSION=on` (permessage-deflate negotiated: {z['extensions'] or 'none'}), "
            f"{z['clients']} phones: last phone p50 {z['last_ms_p50']} ms, p99 {z['last_ms_p99']} ms, "
            f"{z['rss_kb_per_client']} KB/phone, server CPU {z['server_cpu_ms_per_broadcast']} ms per broadcast.",
            "",
        ]
    sio = result.get("fanout_socketio_client")
    if sio and sio["ratio"]:
        e, ref = (next(r for r in sio["rows"] if r["server"] == name) for name in ("eventapp", "reference"))
        lines += [
            f"The same with {PHONES['socketio']}, {e['clients']} phones: eventapp last phone p50 "
            f"{e['last_ms_p50']} ms, p99 {e['last_ms_p99']} ms; reference p50 {ref['last_ms_p50']} ms, p99 "
            f"{ref['last_ms_p99']} ms; ratio {sio['ratio']['last_ms_p50']}x; the phones' process spent "
            f"{e['loadgen_cpu_ms_per_broadcast']} ms of CPU per broadcast.",
            "",
        ]
    s = result.get("scaleout")
    if s and "skipped" not in s:
        by = s.get("server_cpu_ms_per_broadcast_by_process") or []
        lines += [
            f"Scale-out (two eventapp processes, Redis, PostgreSQL; both on CPU 0): {s['clients']} phones, "
            f"last phone p50 {s['last_ms_p50']} ms, p99 {s['last_ms_p99']} ms, missing {s['missing']}; "
            f"server CPU per broadcast {' + '.join(f'{x} ms' for x in by)}, the phones' "
            f"{s['loadgen_cpu_ms_per_broadcast']} ms.",
            "",
        ]
    elif s:
        lines += [f"Scale-out: skipped ({s['skipped']}).", ""]
    c = result.get("checkin")
    if c:
        lines += [
            f"**Check-in**: {c['devices']} devices, {c['scans']} distinct badges: {c['per_s']}/s, "
            f"p50 {c['p50_ms']} ms, p99 {c['p99_ms']} ms (statuses {c['statuses']}).",
            "",
        ]
    t = result.get("timer_sync")
    if t:
        lines += [
            f"**Timer sync**: {t['clients']} clients behind a {t['proxy_delay_ms'][0]:.0f}-"
            f"{t['proxy_delay_ms'][1]:.0f} ms random-delay proxy: displayed remaining time within "
            f"{t['spread_ms_p95']} ms of the median at p95 (max {t['spread_ms_max']} ms).",
            "",
        ]
    v = result.get("votes")
    if v:
        lines += [
            f"**Votes**: {v['sent']} distinct voters in {v['seconds']} s: {v['counted']} counted "
            f"({v['failed']} failed requests).",
            "",
        ]
    p = result.get("pages")
    if p:
        lines += [
            "## Phone pages (gzip behind nginx; first render in Chromium on Fast 3G)",
            "",
            "| page | requests | bytes over the wire | first contentful paint |",
            "|---|---|---|---|",
        ]
        for path, r in p.items():
            if isinstance(r, dict) and "bytes" in r:
                lines.append(
                    f"| `{path}` | {r.get('requests')} | {r['bytes'] / 1024:.1f} KB | {r['first_render_ms']} ms |"
                )
        lines.append("")
    f = result.get("first_scan")
    if f:
        lines += [
            f"**First scan**: from opening the volunteer's sign-in link on a {f['viewport']} (fresh browser, "
            f"no cache) to the first green scan on the fake camera: median {f['median_s']} s, max "
            f"{f['max_s']} s over {len(f['runs'])} run(s) (decoder {f['runs'][0]['decoder']}).",
            "",
        ]
    lines += ["## Targets", "", "| target | goal | measured | met |", "|---|---|---|---|"]
    for row in result["targets"]:
        lines.append(f"| {row['name']} | {row['goal']} | {row['measured']} | {'yes' if row['met'] else 'NO'} |")
    lines += ["", f"Versions: {', '.join(f'{k} {v}' for k, v in result['versions'].items())}.", ""]
    return "\n".join(lines)


def targets(result: dict) -> list[dict]:
    rows: list[dict] = []

    def add(name: str, goal: str, measured: object, met: bool) -> None:
        rows.append({"name": name, "goal": goal, "measured": measured, "met": bool(met)})

    big = max((r["clients"] for r in result.get("fanout", [])), default=None)
    if big:
        e = next(r for r in result["fanout"] if r["server"] == "eventapp" and r["clients"] == big)
        ratio = next((r for r in result["fanout_ratio"] if r["clients"] == big), {})
        add(
            f"fan-out {big}: last phone p50 vs reference",
            "<= 1.5x",
            f"{ratio.get('last_ms_p50')}x",
            (ratio.get("last_ms_p50") or 99) <= 1.5,
        )
        add(f"fan-out {big}: last phone p99", "< 250 ms", f"{e['last_ms_p99']} ms", (e["last_ms_p99"] or 1e9) < 250)
        add(
            f"fan-out {big}: memory per phone",
            "< 60 KB",
            f"{e['rss_kb_per_client']} KB",
            (e["rss_kb_per_client"] or 1e9) < 60,
        )
        add(f"fan-out {big}: messages lost", "0", e["missing"], e["missing"] == 0)
    so = result.get("scaleout")
    if so and "last_ms_p99" in so:
        add(
            f"scale-out {so['clients']} (2 processes + Redis): last phone p99",
            "< 250 ms",
            f"{so['last_ms_p99']} ms",
            (so["last_ms_p99"] or 1e9) < 250,
        )
    c = result.get("checkin")
    if c:
        add(f"check-in p99 at {c['devices']} devices", "< 50 ms", f"{c['p99_ms']} ms", c["p99_ms"] < 50)
        add("check-in throughput", ">= 500/s", f"{c['per_s']}/s", c["per_s"] >= 500)
    t = result.get("timer_sync")
    if t:
        add("timer spread p95", "< 25 ms", f"{t['spread_ms_p95']} ms", t["spread_ms_p95"] < 25)
    v = result.get("votes")
    if v:
        add("votes lost", "0", v["sent"] - v["counted"], v["sent"] == v["counted"])
    f = result.get("first_scan")
    if f and f.get("max_s") is not None:
        add("sign-in link to first green scan (phone, fake camera)", "< 10 s", f"{f['max_s']} s (max)", f["max_s"] < 10)
    a = (result.get("pages") or {}).get("/rooms/main/qa")
    if a and "bytes" in a:
        add("audience page, compressed total", "< 100 KB", f"{a['bytes'] / 1024:.1f} KB", a["bytes"] < 100 * 1024)
        add(
            "audience page, first render on Fast 3G",
            "< 1.5 s",
            f"{a['first_render_ms']} ms",
            a["first_render_ms"] < 1500,
        )
    return rows


README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


def update_readme(summary: str) -> None:
    """A full run puts its summary into the README's Benchmarks section, between the two markers."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        return
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    body = "\n".join(
        line.replace("## ", "#### ", 1) if line.startswith("## ") else line for line in summary.splitlines()[2:]
    )
    readme.write_text(f"{head}{README_START}\n{body.strip()}\n{README_END}{tail}")
    log("updated the README's Benchmarks section")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="under 3 minutes")
    parser.add_argument(
        "--only", default="", help="comma list of: fanout,scaleout,checkin,timer,votes,pages,first_scan"
    )
    parser.add_argument("--sizes", default="", help="fan-out sizes, e.g. 250,1000")
    parser.add_argument("--reps", type=int, default=0)
    parser.add_argument("-k", type=int, default=0, help="broadcasts per fan-out run")
    parser.add_argument("--out", default=str(RESULTS / "latest.json"))
    parser.add_argument("--servers", default="eventapp,reference", help="fan-out servers (experiments: eventapp)")
    parser.add_argument(
        "--client",
        default="raw",
        choices=tuple(PHONES),
        help="the phones: WebSocket + the protocol by hand (raw) or socket.io-client",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the eventapp servers, e.g. EVENTAPP_WS_COMPRESSION=on",
    )
    args = parser.parse_args()
    needs_node = set(filter(None, args.only.split(","))) != {"first_scan"}  # the first scan needs only Chromium
    if needs_node and not (NODE_DIR / "node_modules" / "socket.io").exists():
        raise SystemExit("bench/.node is missing: run `make bench-quick` (it runs npm ci there)")
    quick = args.quick
    sizes = [int(x) for x in args.sizes.split(",") if x] or ([250, 1000] if quick else [250, 1000, 2000, 4000])
    reps = args.reps or (1 if quick else 2)
    k = args.k or (10 if quick else 20)
    only = set(filter(None, args.only.split(","))) or {
        "fanout",
        "scaleout",
        "checkin",
        "timer",
        "votes",
        "pages",
        "first_scan",
    }
    if quick and not args.only:
        only.discard("scaleout")

    result: dict = {
        "mode": "quick" if quick else "full",
        "loadgen_client": args.client,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), "load_before": loadavg()},
        "versions": versions(),
    }
    errors: dict[str, str] = {}

    def attempt(name: str, fn, *a):  # a failed part is reported, the others still run
        try:
            return fn(*a)
        except Exception as exc:  # noqa: BLE001
            log(f"{name} failed: {exc}")
            errors[name] = str(exc)[-1000:]
            return None

    if "fanout" in only:
        extra = dict(item.split("=", 1) for item in args.env)
        result["eventapp_env"] = extra
        runs = attempt("fanout", fanout, sizes, reps, k, extra, tuple(args.servers.split(",")), args.client) or []
        result["fanout_runs"] = runs
        result["fanout"], result["fanout_ratio"] = summarize_fanout(runs) if runs else ([], [])
    if "fanout" in only and not quick and not args.env:
        # What the setting saves: the largest size again with compression negotiated (as before the setting).
        on = attempt(
            "fanout_ws_compression_on",
            fanout,
            [max(sizes)],
            1,
            k,
            {"EVENTAPP_WS_COMPRESSION": "on"},
            ("eventapp",),
            args.client,
        )
        if on:
            row = summarize_fanout(on)[0][0]
            result["fanout_ws_compression_on"] = {**row, "server": "eventapp, EVENTAPP_WS_COMPRESSION=on"}
    if "fanout" in only and not quick and not args.env and args.client == "raw":
        # The same at the largest size with socket.io-client as the phones: what the browser library costs the
        # one process that plays every phone (its CPU per broadcast), and that the ratio does not depend on it.
        sio = attempt("fanout_socketio_client", fanout, [max(sizes)], 1, k, None, ("eventapp", "reference"), "socketio")
        if sio:
            rows, ratios = summarize_fanout(sio)
            result["fanout_socketio_client"] = {"rows": rows, "ratio": ratios[0] if ratios else None}
    if "scaleout" in only:
        result["scaleout"] = attempt("scaleout", scaleout, 1000 if quick else max(sizes), k, args.client)
    if "checkin" in only:
        result["checkin"] = attempt("checkin", checkin, 20, 150)
    if "timer" in only:
        result["timer_sync"] = attempt("timer_sync", timer_sync, 50)
    if "votes" in only:
        result["votes"] = attempt("votes", votes, 1000, 10.0, 50)
    if "pages" in only:
        result["pages"] = attempt("pages", pages)
    if "first_scan" in only:
        result["first_scan"] = attempt("first_scan", first_scan, 1 if quick else 3)
    result["machine"]["load_after"] = loadavg()
    result["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["targets"] = targets(result)
    if errors:
        result["errors"] = errors
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(result))
    log(f"wrote {out} and {out.with_suffix('.md')}")
    if not quick and not args.only and not args.env and out == RESULTS / "latest.json":
        update_readme(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
