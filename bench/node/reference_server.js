// The reference: a minimal Node socket.io 4.8 server doing the same broadcast as eventapp (make bench).
// `subscribe {"channel"}` joins that room and acks like eventapp ({ok, channel, snapshot}); POST /fire with a JSON
// body broadcasts that body (an eventapp timer payload captured by the harness) with a new `revision` to the room
// named by ?channel=, as `?event=` (default "timer"), and answers {"revision"}. socket.io defaults: perMessageDeflate
// is off, as in the research baseline.  Usage: node reference_server.js PORT
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 5499);
let revision = 0;
let snapshot = {};

const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  if (req.method === "GET" && url.pathname === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end("ok");
  }
  if (req.method === "POST" && url.pathname === "/fire") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let body = {};
      try { body = JSON.parse(Buffer.concat(chunks).toString() || "{}"); } catch (e) { body = {}; }
      revision += 1;
      const payload = { ...body, revision, server_ms: Date.now() };
      snapshot = payload;
      io.to(url.searchParams.get("channel") || "timer:main").emit(url.searchParams.get("event") || "timer", payload);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ revision }));
    });
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, { cors: { origin: "*" } });
io.on("connection", (socket) => {
  socket.on("subscribe", (data, ack) => {
    const channel = data && typeof data.channel === "string" ? data.channel : "";
    socket.join(channel);
    if (typeof ack === "function") ack({ ok: true, channel, snapshot });
  });
});

httpServer.listen(port, "127.0.0.1", () => console.log(`reference socket.io server on 127.0.0.1:${port}`));
process.on("SIGTERM", () => process.exit(0));
