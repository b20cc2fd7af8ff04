"""Phone pages (not a test): bytes over the wire and time to first render on a throttled "Fast 3G" line.

Starts `eventapp demo --no-serve` + `eventapp serve` behind nginx with the gzip and static-file lines of
docs/deploy/nginx.conf (so bytes are what a phone downloads in production), then opens each page in Debian's
Chromium (Playwright, never a downloaded browser) with a cold cache under Chrome DevTools' Fast 3G profile
(562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up) set through CDP `Network.emulateNetworkConditions`.
Bytes: the sum of `encodedDataLength` (headers + gzip bodies) of the page and every request it makes, WebSocket
frames excepted. First render: the page's first-contentful-paint. Staff pages sign in through a login link first.
Prints one JSON object {"<path>": {"bytes", "body_bytes", "requests", "first_render_ms", "load_ms"}}.

    .venv/bin/python bench/pages.py --port 5460 --nginx-port 5461
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import wait_http  # noqa: E402
from run import ROOT, Eventapp, stop  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
FCP_JS = "() => { const e = performance.getEntriesByName('first-contentful-paint')[0]; return e && e.startTime }"
PAGES = [("/rooms/main/qa", None), ("/checkin/scan", "volunteer"), ("/rooms/main/chair", "chair")]


def nginx_conf(workdir: Path, listen: int, backend: int) -> str:
    temp = "".join(
        f"{name}_temp_path {workdir / name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / name).mkdir(exist_ok=True)
    return f"""daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{}}
http {{
  access_log off;
  include /etc/nginx/mime.types;
  {temp}
  map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
  server {{
    listen 127.0.0.1:{listen};
    client_max_body_size 2m;
    gzip on;
    gzip_types text/css application/javascript application/json image/svg+xml;
    location /static/ {{ alias {ROOT / "static"}/; expires 1h; add_header Cache-Control "public"; }}
    location /socket.io/ {{
      proxy_pass http://127.0.0.1:{backend};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
    }}
    location / {{
      proxy_pass http://127.0.0.1:{backend};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
"""


def measure(browser, base: str, path: str, login_url: str | None) -> dict:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        if login_url:  # sign in first, unthrottled (the cookie is what a staff phone already has)
            page = context.new_page()
            page.goto(login_url, wait_until="load", timeout=30000)
            with page.expect_navigation(timeout=30000):
                page.click("form button[type=submit]")  # the link's page asks for one tap (prefetchers never sign in)
            page.close()
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", FAST_3G)
        urls: dict[str, str] = {}
        wire: dict[str, int] = {}
        bodies: dict[str, int] = {}
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on(
            "Network.dataReceived",
            lambda e: bodies.__setitem__(e["requestId"], bodies.get(e["requestId"], 0) + e.get("encodedDataLength", 0)),
        )
        cdp.on("Network.loadingFinished", lambda e: wire.__setitem__(e["requestId"], int(e["encodedDataLength"])))
        t0 = time.perf_counter()
        page.goto(base + path, wait_until="load", timeout=60000)
        load_ms = (time.perf_counter() - t0) * 1000
        page.wait_for_timeout(2500)  # late requests (module imports, the first API calls) count too
        fcp = page.evaluate(FCP_JS)
        finished = {rid: n for rid, n in wire.items() if not urls.get(rid, "").startswith("ws")}
        return {
            "bytes": sum(finished.values()),
            "requests": len(finished),
            "first_render_ms": round(fcp) if fcp is not None else None,
            "load_ms": round(load_ms),
            "resources": sorted(
                ((urls.get(rid, "?").replace(base, ""), n) for rid, n in finished.items()), key=lambda item: -item[1]
            ),
        }
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5460)
    parser.add_argument("--nginx-port", type=int, default=5461)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{args.nginx_port}"
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        work = Path(tmp)
        app = Eventapp(work, {"EVENTAPP_BASE_URL": base, "EVENTAPP_PROXY_HOPS": "1"})
        app.prepare()
        logins = {
            role: json.loads(app.cli("staff", "add", "--name", f"Bench {role}", "--role", role, "--json"))["login_url"]
            for role in ("volunteer", "chair")
        }
        (work / "nginx.conf").write_text(nginx_conf(work, args.nginx_port, args.port))
        with app.serve(args.port, env={"EVENTAPP_BASE_URL": base}):
            nginx = subprocess.Popen(
                ["nginx", "-p", str(work), "-c", str(work / "nginx.conf")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_http(f"{base}/healthz", nginx)
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                    try:
                        for path, role in PAGES:
                            out[path] = measure(browser, base, path, logins.get(role) if role else None)
                    finally:
                        browser.close()
            finally:
                stop(nginx)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
