"""What holds the worker's memory after reconnects (a probe, not a benchmark): tracemalloc inside the server.

Runs the demo under gunicorn with eventapp's own settings plus a hook that starts tracemalloc in the worker, keeps
`--steady` phones subscribed, makes `--reconnects` phones drop and come back, and prints the allocations that grew
between a snapshot after the warm-up and one at the end: first as they stand, then after a full garbage
collection (what is left then is held, not merely waiting for the collector). Bounded: a few thousand reconnects.

    .venv/bin/python bench/memory_probe.py --steady 100 --reconnects 1500
"""

from __future__ import annotations

import argparse
import asyncio
import json

import probe_worker
from probe_worker import ask, churn, phone

HOOK = """
import os, sys
sys.path.insert(0, os.path.dirname(os.environ["EVENTAPP_PROBE_BASE"]))
_base = {}
exec(open(os.environ["EVENTAPP_PROBE_BASE"]).read(), _base)
globals().update({k: v for k, v in _base.items() if not k.startswith("__")})


def post_worker_init(worker):
    _base["post_worker_init"](worker)
    import gc, json, tracemalloc
    import gevent
    tracemalloc.start(int(os.environ.get("EVENTAPP_PROBE_FRAMES", "6")))
    folder = os.environ["EVENTAPP_PROBE_DIR"]
    snaps = {}

    def top(before, after, limit=25):
        stats = after.compare_to(before, "traceback")[:limit]
        return [{"kb": round(s.size_diff / 1024, 1), "count": s.count_diff,
                 "where": [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in s.traceback][-4:]}
                for s in stats]

    def loop():
        while True:
            gevent.sleep(0.3)
            for name in sorted(os.listdir(folder)):
                if not name.startswith("ask-"):
                    continue
                os.unlink(os.path.join(folder, name))
                label = name[4:]
                if label.endswith("-gc"):
                    gc.collect()
                own = tracemalloc.Filter(False, tracemalloc.__file__)
                snaps[label] = tracemalloc.take_snapshot().filter_traces([own])
                report = {"label": label, "traced_mb": round(tracemalloc.get_traced_memory()[0] / 2**20, 1),
                          "gc_count": gc.get_count()}
                if "warm" in snaps and label != "warm":
                    report["grew"] = top(snaps["warm"], snaps[label])
                with open(os.path.join(folder, "report-" + label), "w") as f:
                    json.dump(report, f)

    gevent.spawn(loop)
"""


async def main_async(args: argparse.Namespace) -> dict:
    proc, folder = probe_worker.start(args.port, HOOK, "eventapp-probe-")
    url = f"http://127.0.0.1:{args.port}"
    try:
        steady = [await phone(url) for _ in range(args.steady)]
        await churn(url, args.warmup)
        await asyncio.sleep(args.settle)
        warm = ask(folder, "warm")
        await churn(url, args.reconnects)
        await asyncio.sleep(args.settle)  # past the ping interval: timers of closed sockets have fired
        end = ask(folder, "end")
        collected = ask(folder, "end-gc")
        await asyncio.gather(*(c.disconnect() for c in steady), return_exceptions=True)
    finally:
        probe_worker.stop(proc)
    per = 1024 / args.reconnects
    return {
        "steady": args.steady,
        "warmup_reconnects": args.warmup,
        "reconnects": args.reconnects,
        "traced_mb": {"warm": warm["traced_mb"], "end": end["traced_mb"], "end_after_gc": collected["traced_mb"]},
        "kb_per_reconnect": round((end["traced_mb"] - warm["traced_mb"]) * per, 2),
        "kb_per_reconnect_after_gc": round((collected["traced_mb"] - warm["traced_mb"]) * per, 2),
        "grew": end.get("grew", [])[:12],
        "grew_after_gc": collected.get("grew", [])[:12],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steady", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--reconnects", type=int, default=1500)
    parser.add_argument("--settle", type=float, default=22.0, help="seconds to wait before a snapshot")
    parser.add_argument("--port", type=int, default=5241)
    args = parser.parse_args()
    args.reconnects = max(1, min(args.reconnects, 5000))
    print(json.dumps(asyncio.run(main_async(args)), indent=1))


if __name__ == "__main__":
    main()
