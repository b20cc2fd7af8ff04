"""What a reconnect leaves in reference cycles, by type, inside a real worker (a probe, not a benchmark).

Runs the demo under gunicorn with eventapp's settings, the automatic garbage collector off (EVENTAPP_GC_THRESHOLD
"0,0,0" unless GCT is set) and a hook in the worker; after 50 reconnects of warm-up and one collection, makes N
phones connect, subscribe and disconnect, waits, then collects once with gc.DEBUG_SAVEALL and prints what was
garbage, per reconnect, by type: what only a full collection frees (docs/operations.md, "Memory under reconnects").

    .venv/bin/python bench/gc_census.py [port=5251] [reconnects=200] [settle_seconds=3]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import probe_worker
from probe_worker import ask, churn

HOOK = """
import os, sys
_base = {}
exec(open(os.environ["EVENTAPP_PROBE_BASE"]).read(), _base)
globals().update({k: v for k, v in _base.items() if not k.startswith("__")})
def post_worker_init(worker):
    _base["post_worker_init"](worker)
    import gc, json, collections, gevent
    folder = os.environ["EVENTAPP_PROBE_DIR"]
    def loop():
        while True:
            gevent.sleep(0.3)
            for name in sorted(os.listdir(folder)):
                if not name.startswith("ask-"): continue
                os.unlink(os.path.join(folder, name)); label = name[4:]
                gc.set_debug(gc.DEBUG_SAVEALL); n = gc.collect(); gc.set_debug(0)
                c = collections.Counter(type(o).__module__ + "." + type(o).__qualname__ for o in gc.garbage)
                gc.garbage.clear()
                with open(os.path.join(folder, "report-" + label), "w") as f:
                    json.dump({"collected": n, "top": c.most_common(40)}, f)
    gevent.spawn(loop)
"""


async def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5251
    count = max(10, min(int(sys.argv[2]) if len(sys.argv) > 2 else 200, 2000))
    settle = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    proc, folder = probe_worker.start(
        port, HOOK, "eventapp-census-", {"EVENTAPP_GC_THRESHOLD": os.environ.get("GCT", "0,0,0")}
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await churn(url, 50)
        await asyncio.sleep(settle)
        ask(folder, "warm")
        await churn(url, count)
        await asyncio.sleep(settle)
        report = ask(folder, "end")
        print(
            json.dumps(
                {
                    "reconnects": count,
                    "collected": report["collected"],
                    "per_reconnect": round(report["collected"] / count, 1),
                }
            )
        )
        for name, n in report["top"]:
            print(f"{n / count:8.2f} {name}")
    finally:
        probe_worker.stop(proc)


if __name__ == "__main__":
    asyncio.run(main())
