// Check-in load generator (bench/checkin_bench.py): N devices scanning at once, each on its own keep-alive HTTP
// connection, sending its next scan when the previous one is answered (a volunteer's phone at a busy door).
// Node's event loop keeps the client's own cost per scan small, so the latency measured is the server's and the
// network's, not queueing inside the load generator (a Python client with 20 threads sharing the GIL spends about as
// much CPU per scan as the server does). Reads a JSON job on stdin, prints one JSON result.
//
//   {"url": "http://127.0.0.1:5150", "token": "...", "devices": [["CODE1", ...], ...], "deadline_s": 300}
"use strict";
const http = require("http");
const crypto = require("crypto");

function percentile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const k = Math.min(sorted.length - 1, Math.max(0, Math.round((q / 100) * (sorted.length - 1))));
  return sorted[k];
}
const r2 = (x) => (x == null ? null : Math.round(x * 100) / 100);

function post(agent, url, token, body) {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = http.request(
      `${url}/api/v1/checkins`,
      {
        method: "POST", agent, timeout: 10000,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data),
                   authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode)));
        res.on("error", () => resolve("ResponseError"));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve(err.message === "timeout" ? "Timeout" : "ConnectionError"));
    req.end(data);
  });
}

async function main() {
  const job = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const deadline = performance.now() + job.deadline_s * 1000;
  const latencies = [];
  const statuses = {};
  async function device(n, codes) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const code of codes) {
      if (performance.now() > deadline) break;
      const t0 = performance.now();
      const status = await post(agent, job.url, job.token, { code, nonce: crypto.randomUUID(), device: `Bench ${n}` });
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] || 0) + 1;
    }
    agent.destroy();
  }
  const t0 = performance.now();
  await Promise.all(job.devices.map((codes, n) => device(n, codes)));
  const seconds = (performance.now() - t0) / 1000;
  const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : null;
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({
    requests: latencies.length, status_counts: statuses, seconds: Math.round(seconds * 1000) / 1000,
    throughput_per_s: seconds ? Math.round((latencies.length / seconds) * 10) / 10 : null,
    p50_ms: r2(percentile(latencies, 50)), p95_ms: r2(percentile(latencies, 95)), p99_ms: r2(percentile(latencies, 99)),
    max_ms: r2(latencies.length ? Math.max(...latencies) : null), mean_ms: r2(mean),
    client: "node", client_cpu_ms_per_scan: latencies.length ? r2((cpu.user + cpu.system) / 1000 / latencies.length) : null,
  }) + "\n");
}

main().catch((err) => { console.error(err); process.exit(1); });
