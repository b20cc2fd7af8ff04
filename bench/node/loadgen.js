// The load generator of make bench: N phones over WebSocket subscribe to one channel, then K commands are fired one
// at a time (an HTTP POST, `interval` ms apart) and every phone notes when the event with that command's revision
// arrives. Latency = arrival - the moment before the POST (one clock: this process).
// Phones (--client): `raw` (default), a `ws` WebSocket speaking engine.io/Socket.IO itself, or `socketio`,
// socket.io-client 4.8 with its defaults. Both offer permessage-deflate as browsers do and put the same bytes on the
// wire; `raw` spends less of this one process's CPU per message (see connectRaw).
// Prints one JSON object. Bounded: connect phase, per-command wait and a hard cap on the whole run.
"use strict";
const fs = require("fs");
const crypto = require("crypto");
const { performance, PerformanceObserver } = require("perf_hooks");
const { io } = require("socket.io-client");
const WebSocket = require("ws");

function args() {
  const a = { n: 250, k: 20, interval: 500, channel: "timer:main", event: "timer", concurrency: 100, settle: 3000,
    warmup: 1, cap: 280, client: "raw", target: "eventapp", urls: "", pids: "", token: "", payload: "", room: "main" };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) a[argv[i].replace(/^--/, "")] = argv[i + 1];
  for (const key of ["n", "k", "interval", "concurrency", "settle", "warmup", "cap"]) a[key] = Number(a[key]);
  a.urls = a.urls.split(",").filter(Boolean);
  a.pids = a.pids.split(",").filter(Boolean).map(Number);
  return a;
}

const A = args();
const hardCap = setTimeout(() => { console.error("loadgen: hard cap reached"); process.exit(3); }, A.cap * 1000);

function rssKb(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/);
    return m ? Number(m[1]) : 0;
  } catch (e) { return 0; }
}
function cpuMs(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime in clock ticks (100/s)
  } catch (e) { return 0; }
}
const sum = (xs) => xs.reduce((s, x) => s + x, 0);
const totalRss = () => sum(A.pids.map(rssKb));
const totalCpu = () => sum(A.pids.map(cpuMs));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function pct(values, q) {
  if (!values.length) return null;
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.round((q / 100) * (s.length - 1))))];
}
const r1 = (x) => (x === null ? null : Math.round(x * 10) / 10);

const arrivals = new Map(); // revision -> array of arrival times (ms, performance.now())
const lastByServer = new Map(); // revision -> per server (index in --urls): its phones' last arrival time
const clients = [];
let extensions = null;
let disconnects = 0;
let packets = 0; // every engine.io packet the phones receive (pings, keyframes, events): what a broadcast costs them
let failures = 0;
const failureReasons = {};
function fail(reason) {
  failures += 1;
  failureReasons[reason] = (failureReasons[reason] || 0) + 1;
}

// One arrival: the first time a phone sees a revision (keyframes repeat one).
function arrived(url, seen, payload, t) {
  const rev = payload && payload.revision;
  if (rev === undefined || seen.has(rev)) return;
  seen.add(rev);
  if (!arrivals.has(rev)) arrivals.set(rev, []);
  arrivals.get(rev).push(t);
  if (!lastByServer.has(rev)) lastByServer.set(rev, A.urls.map(() => null));
  lastByServer.get(rev)[A.urls.indexOf(url)] = t;
}

// A phone as the browser client: socket.io-client with its defaults (WebSocket only, no reconnection).
function connectSocketio(url) {
  return new Promise((resolve) => {
    const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: 60000 });
    const seen = new Set();
    socket.on(A.event, (payload) => arrived(url, seen, payload, performance.now()));
    socket.io.on("open", () => socket.io.engine.on("packet", () => { packets += 1; }));
    socket.on("disconnect", () => { disconnects += 1; });
    socket.on("connect_error", (e) => { fail(`connect_error: ${e && e.message}`); resolve(null); });
    socket.on("connect", () => {
      if (extensions === null) {
        const ws = socket.io.engine && socket.io.engine.transport && socket.io.engine.transport.ws;
        extensions = ws && typeof ws.extensions === "string" ? ws.extensions : "";
      }
      socket.timeout(60000).emit("subscribe", { channel: A.channel }, (err, ack) => {
        if (err || !ack || !ack.ok) {
          fail(err ? `subscribe: ${err.message}` : `subscribe: ${JSON.stringify(ack).slice(0, 200)}`);
          socket.disconnect();
          resolve(null);
          return;
        }
        clients.push(socket);
        resolve(socket);
      });
    });
  });
}

// A phone as the same bytes on the wire with less of this process's CPU: the `ws` WebSocket client that
// socket.io-client uses in Node (it offers permessage-deflate too), speaking engine.io 4 / socket.io 5 itself:
// open -> "40" -> subscribe with ack 0 -> events; it answers pings and parses every event's JSON. One process plays
// all the phones, so what a browser spends per message on its own CPU is spent here in series: with 4,000 phones,
// socket.io-client's share made the instrument, not the server, decide the last arrival.
function connectRaw(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
    const seen = new Set();
    const eventPrefix = `42["${A.event}",`;
    let settled = false; // the promise is resolved: subscribed, or given up
    let subscribed = false;
    const giveUp = (reason) => {
      if (settled) return;
      settled = true;
      fail(reason);
      ws.terminate();
      resolve(null);
    };
    const timer = setTimeout(() => giveUp("connect: timeout"), 60000);
    ws.on("message", (data) => {
      const t = performance.now();
      packets += 1;
      const text = data.toString();
      if (text.startsWith(eventPrefix)) {
        arrived(url, seen, JSON.parse(text.slice(2))[1], t);
      } else if (text === "2") {
        ws.send("3");
      } else if (text[0] === "0") {
        if (extensions === null) extensions = ws.extensions;
        ws.send("40");
      } else if (text.startsWith("40")) {
        ws.send(`420${JSON.stringify(["subscribe", { channel: A.channel }])}`);
      } else if (text.startsWith("430")) {
        const ack = JSON.parse(text.slice(3))[0];
        if (!ack || !ack.ok) return giveUp(`subscribe: ${text.slice(3, 200)}`);
        clearTimeout(timer);
        settled = subscribed = true;
        clients.push(ws);
        resolve(ws);
      } else if (text.startsWith("44")) {
        giveUp(`connect_error: ${text.slice(2, 200)}`);
      }
    });
    ws.on("error", (e) => giveUp(`connect_error: ${e && e.message}`));
    ws.on("close", () => {
      clearTimeout(timer);
      if (subscribed) disconnects += 1;
      else giveUp("connect_error: closed");
    });
  });
}

const connectOne = { raw: connectRaw, socketio: connectSocketio }[A.client];
if (!connectOne) throw new Error(`--client must be raw or socketio, not ${A.client}`);

async function fire(base, seq) {
  if (A.target === "reference") {
    const r = await fetch(`${base}/fire?channel=${encodeURIComponent(A.channel)}&event=${A.event}`, {
      method: "POST", headers: { "content-type": "application/json" }, body: A.body });
    return (await r.json()).revision;
  }
  const r = await fetch(`${base}/api/v1/rooms/${A.room}/timer`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${A.token}` },
    body: JSON.stringify({ action: "adjust", seconds: seq % 2 ? 1 : -1, command_id: crypto.randomUUID() }),
  });
  const data = await r.json();
  if (!r.ok) throw new Error(`timer command failed: ${r.status} ${JSON.stringify(data)}`);
  return data.revision;
}

async function main() {
  A.body = A.payload ? fs.readFileSync(A.payload, "utf8") : "{}";
  const rssBefore = totalRss();
  const tConnect = performance.now();
  let next = 0;
  async function worker() {
    while (next < A.n) {
      const i = next++;
      await connectOne(A.urls[i % A.urls.length]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(A.concurrency, A.n) }, worker));
  const connectS = (performance.now() - tConnect) / 1000;
  await sleep(A.settle);
  const rssConnected = totalRss();
  const n = clients.length;

  // The load generator's own garbage collections delay when it sees a message: record them, so a slow broadcast
  // can be told apart from a pause of the instrument (per_broadcast[].loadgen_gc_ms).
  const gcPauses = []; // {start, end}
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  gcObserver.observe({ entryTypes: ["gc"] });
  const fired = []; // {rev, t0, ackMs}
  const cpu0 = totalCpu();
  const cpuByPid0 = A.pids.map(cpuMs);
  const packets0 = packets;
  const own0 = process.cpuUsage();
  for (let seq = 0; seq < A.warmup + A.k; seq++) {
    const t0 = performance.now();
    const rev = await fire(A.urls[0], seq);
    fired.push({ rev, t0, ackMs: performance.now() - t0, warm: seq < A.warmup });
    // Wait for every phone (bounded), then keep the interval between commands.
    const deadline = t0 + Math.max(A.interval, 10000);
    while ((arrivals.get(rev) || []).length < n && performance.now() < deadline) await sleep(5);
    const rest = t0 + A.interval - performance.now();
    if (rest > 0) await sleep(rest);
  }
  const own = process.cpuUsage(own0);
  gcObserver.disconnect();
  const serverCpuMs = totalCpu() - cpu0;
  const cpuByPid = A.pids.map((pid, i) => cpuMs(pid) - cpuByPid0[i]);
  const packetsDuring = packets - packets0;
  const rssAfter = totalRss();

  const per = [];
  let missing = 0;
  for (const f of fired) {
    if (f.warm) continue;
    const lat = (arrivals.get(f.rev) || []).map((t) => t - f.t0);
    missing += n - lat.length;
    const end = f.t0 + (lat.length ? Math.max(...lat) : 0);
    const gcMs = gcPauses.reduce((sum, g) => sum + Math.max(0, Math.min(g.end, end) - Math.max(g.start, f.t0)), 0);
    per.push({ revision: f.rev, at_ms: Math.round(performance.timeOrigin + f.t0), median_ms: r1(pct(lat, 50)), last_ms: r1(lat.length ? Math.max(...lat) : null),
      received: lat.length, post_ms: r1(f.ackMs), loadgen_gc_ms: r1(gcMs),
      last_ms_by_server: (lastByServer.get(f.rev) || []).map((t) => (t === null ? null : r1(t - f.t0))) });
  }
  const lasts = per.map((p) => p.last_ms).filter((x) => x !== null);
  const medians = per.map((p) => p.median_ms).filter((x) => x !== null);
  const rounds = A.warmup + A.k;
  const result = {
    target: A.target, client: A.client, clients: n, requested: A.n, k: A.k, interval_ms: A.interval, servers: A.urls.length,
    extensions, connect_s: r1(connectS), connect_failures: failures, failure_reasons: failureReasons, disconnects, missing,
    last_ms_p50: r1(pct(lasts, 50)), last_ms_p99: r1(pct(lasts, 99)), last_ms_max: r1(Math.max(...lasts)),
    median_ms_p50: r1(pct(medians, 50)),
    post_ms_p50: r1(pct(per.map((p) => p.post_ms), 50)),
    rss_kb_idle: rssBefore, rss_kb_connected: rssConnected, rss_kb_after: rssAfter,
    rss_kb_per_client: n ? r1((rssConnected - rssBefore) / n) : null,
    rss_kb_per_client_after: n ? r1((rssAfter - rssBefore) / n) : null,
    server_cpu_ms_per_broadcast: r1(serverCpuMs / rounds),
    packets_per_phone_per_broadcast: n ? Math.round((packetsDuring / n / (A.warmup + A.k)) * 100) / 100 : null,
    server_cpu_ms_per_broadcast_by_process: cpuByPid.map((ms) => r1(ms / rounds)),
    loadgen_cpu_ms_per_broadcast: r1((own.user + own.system) / 1000 / rounds),
    per_broadcast: per,
  };
  for (const s of clients) (s.disconnect ? s.disconnect() : s.close());
  console.log(JSON.stringify(result));
  clearTimeout(hardCap);
  setTimeout(() => process.exit(0), 200);
}

main().catch((e) => { console.error(e); process.exit(2); });
