// The one connection every page shares: WebSocket first, channels resubscribed (with a fresh snapshot)
// after every reconnect, and the clock offset to the server estimated NTP-style over the socket.
import { io } from "/static/vendor/socket.io-client/socket.io.esm.min.js";

const SYNC_SAMPLES = 16; // bench/timer_sync.py: 16 filtered samples keep jittery links within ~20 ms (p95)
const SYNC_GAP_MS = 80;
const RESYNC_MS = 5 * 60 * 1000;

export class Live {
  constructor({ token } = {}) {
    this.offsetMs = 0; // server clock minus ours
    this.rttMs = Infinity;
    this.synced = false;
    this.channels = new Map(); // channel -> onSnapshot
    this.statusListeners = new Set();
    this.socket = io({
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      auth: token ? { token } : undefined,
      reconnectionDelayMax: 5000,
    });
    this.socket.on("connect", () => {
      this.#status("online");
      for (const [channel, onSnapshot] of this.channels) this.#subscribe(channel, onSnapshot);
      this.syncClock();
    });
    this.socket.on("disconnect", () => this.#status(this.revoked ? "revoked" : "offline"));
    // A staff account revoked anywhere: stop, and say so (the server also drops the socket).
    this.socket.on("revoked", () => {
      this.revoked = true;
      this.socket.disconnect();
    });
    this.socket.on("connect_error", () => this.#status("offline"));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.syncClock();
    });
    window.addEventListener("online", () => this.syncClock());
    setInterval(() => this.syncClock(), RESYNC_MS);
  }

  /** Milliseconds since the epoch on the server's clock. */
  now() {
    return Date.now() + this.offsetMs;
  }

  get connected() {
    return this.socket.connected;
  }

  /** Follow a channel; onSnapshot(snapshot) runs now and after every reconnect. Returns the first ack. */
  subscribe(channel, onSnapshot) {
    this.channels.set(channel, onSnapshot);
    return this.socket.connected ? this.#subscribe(channel, onSnapshot) : Promise.resolve(null);
  }

  /** Stop following a channel (and no longer resubscribe to it after a reconnect). */
  unsubscribe(channel) {
    this.channels.delete(channel);
    return this.socket.connected ? this.call("unsubscribe", { channel }) : Promise.resolve(null);
  }

  on(event, handler) {
    this.socket.on(event, handler);
  }

  /** Emit with an acknowledgement; resolves to the server's answer or {ok: false, error: "timeout"}. */
  call(event, data, timeoutMs = 5000) {
    return this.socket
      .timeout(timeoutMs)
      .emitWithAck(event, data)
      .catch(() => ({ ok: false, error: "timeout", message: "The server did not answer in time." }));
  }

  onStatus(listener) {
    this.statusListeners.add(listener);
    listener(this.socket.connected ? "online" : "connecting");
  }

  async #subscribe(channel, onSnapshot) {
    const ack = await this.call("subscribe", { channel });
    if (ack && ack.ok) onSnapshot(ack.snapshot);
    return ack;
  }

  #status(state) {
    for (const listener of this.statusListeners) listener(state);
  }

  /** A burst of samples. Those whose round trip is more than one deviation above the median are dropped
   * (queueing); the rest are averaged (enmasseio/timesync's filter), which beats the single lowest round trip
   * when delays jitter both ways. */
  async syncClock() {
    if (!this.socket.connected || this.syncing) return;
    this.syncing = true;
    const samples = [];
    try {
      for (let i = 0; i < SYNC_SAMPLES && this.socket.connected; i++) {
        const t0 = Date.now();
        const reply = await this.call("time_sync", { t0 }, 3000);
        const t3 = Date.now();
        if (reply && typeof reply.server_ms === "number") {
          samples.push({ rtt: t3 - t0, offset: reply.server_ms - (t0 + t3) / 2 });
        }
        await new Promise((resolve) => setTimeout(resolve, SYNC_GAP_MS));
      }
    } finally {
      this.syncing = false;
    }
    const best = estimateOffset(samples);
    if (best) {
      this.offsetMs = best.offset;
      this.rttMs = best.rtt;
      this.synced = true;
      document.dispatchEvent(new CustomEvent("live:synced", { detail: best }));
    }
  }
}

/** {offset, rtt} from [{rtt, offset}] samples: drop round trips above median + 1 SD, average the rest. */
export function estimateOffset(samples) {
  if (!samples.length) return null;
  const rtts = samples.map((s) => s.rtt).sort((a, b) => a - b);
  const median = rtts[Math.floor(rtts.length / 2)];
  const mean = rtts.reduce((a, b) => a + b, 0) / rtts.length;
  const sd = Math.sqrt(rtts.reduce((a, b) => a + (b - mean) ** 2, 0) / rtts.length);
  const kept = samples.filter((s) => s.rtt <= median + sd);
  return { offset: kept.reduce((a, s) => a + s.offset, 0) / kept.length, rtt: rtts[0], samples: kept.length };
}

/** Shows "offline" in every [data-live-status] element while the socket is down. */
export function showStatus(live) {
  const marks = document.querySelectorAll("[data-live-status]");
  live.onStatus((state) => {
    for (const mark of marks) {
      mark.hidden = state === "online";
      const words = { online: "", offline: "offline · reconnecting", revoked: "signed out: this account was revoked" };
      mark.textContent = words[state] ?? "connecting…";
      mark.dataset.state = state;
    }
  });
}

let shared = null;
/** The page's one Live instance (staff pages pass no token: the session cookie signs the socket in). */
export function live() {
  if (!shared) {
    shared = new Live();
    showStatus(shared);
  }
  return shared;
}
