// The chair's console: big buttons, each command acknowledged on screen, undo, shortcuts, messages, Wake Lock.
import { api } from "./api.js";
import { follow, describe } from "./timer.js";

const root = document.querySelector("[data-timer-root]");
const roomId = root.dataset.roomId;
const ackEl = root.querySelector("[data-ack]");
const toggle = root.querySelector('[data-action="toggle"]');
const undoButton = root.querySelector('[data-action="undo"]');
const qaButton = root.querySelector('[data-action="qa"]');
// One 24-hour clock in the event's zone, like every other screen (not the phone's own zone).
const ACK_CLOCK = new Intl.DateTimeFormat("en-GB", {
  timeZone: root.dataset.timezone || undefined, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});

const LABELS = {
  start: "Start", pause: "Pause", resume: "Resume", next: "Next slot", previous: "Previous slot", qa: "Q&A",
  reset: "Reset", undo: "Undo", message: "Message", flash: "Flash", clear_message: "Clear message",
};

// Who of the authors is here comes from the staff `coverage` channel (the public timer says yes or no at most).
const coverageByPaper = new Map();
let lastState = null;

function presenceText(p) {
  if (!p) return "";
  const names = (p.present_authors || []).map((a) => (typeof a === "string" ? a : a.name)).filter(Boolean);
  return names.length ? `author present: ${names.join(", ")}` : `no author checked in (${p.status})`;
}

function showPresence(st) {
  for (const [sel, slot] of [["[data-presence]", st.slot], ["[data-next-presence]", st.next_slot]]) {
    const el = root.querySelector(sel);
    const p = slot && slot.paper_id ? coverageByPaper.get(slot.paper_id) : null;
    el.hidden = p == null; // unknown until check-in feeds it
    el.textContent = presenceText(p);
  }
}

const timer = follow(root, {
  roomId,
  onState(st) {
    toggle.textContent = st.state === "running" ? "Pause" : st.state === "paused" ? "Resume" : "Start";
    toggle.disabled = st.state === "finished" || !st.slot_id;
    toggle.classList.toggle("is-running", st.state === "running");
    undoButton.disabled = !st.can_undo;
    qaButton.disabled = !st.slot || !st.slot.qa_seconds || st.segment === "qa";
    root.querySelector("[data-position]").textContent = st.slot_id
      ? `Slot ${st.slot_index + 1} of ${st.slot_count} · planned ${st.slot.starts_at.slice(11, 16)} · ${st.slot.talk_seconds / 60} min talk${st.slot.qa_seconds ? ` + ${st.slot.qa_seconds / 60} min Q&A` : ""}`
      : "No slots in this room.";
    root.querySelector("[data-next-title]").textContent = st.next_slot
      ? `${st.next_slot.starts_at.slice(11, 16)} ${st.next_slot.title}` : "Nothing more today.";
    root.querySelector("[data-next-presenter]").textContent = st.next_slot?.presenter ?? "";
    lastState = st;
    showPresence(st);
    root.querySelector("[data-message-now]").textContent = st.message?.text || (st.message?.flash ? "(flash)" : "nothing");
  },
});

function takeCoverage(payload) {
  for (const p of payload?.papers || []) coverageByPaper.set(p.paper_id, p);
  if (lastState) showPresence(lastState);
}
timer.conn.on("coverage", takeCoverage);
timer.conn.subscribe("coverage", takeCoverage);

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function showAck(text, state) {
  ackEl.textContent = text;
  ackEl.dataset.state = state;
}

async function viaHttp(body) {
  // The same shape as the socket's answer: a 503's retry_after and a 409's snapshot where the loop looks for them.
  const r = await api("POST", `/api/v1/rooms/${encodeURIComponent(roomId)}/timer`, body);
  if (r.ok) return { ok: true, state: r.body };
  return { ...r.body, ok: false, error: r.error, message: r.message, retry_after: r.retryAfter, snapshot: r.snapshot };
}

const DB_RETRIES = 20; // about a minute of a database restart before the chair is told it failed
let adjusting = Promise.resolve();

// A double tap: the same control pressed again while its first press is on the way, or within DOUBLE_TAP_MS of its
// answer, repeats the first press as it was pressed (the same action, the same revision), so the server refuses it
// as stale once the first applied. On a venue's network the first answer often comes back before the second tap:
// naming the state shown by then would move Next two slots. A press after that is a new press.
const DOUBLE_TAP_MS = 700;
let lastPress = { key: "", action: "", revision: undefined, at: 0, onTheWay: false };

async function send(action, extra = {}, key = `${action}:${JSON.stringify(extra)}`) {
  // One id per press: a retry after a lost answer cannot apply twice. Each press names the revision of the state
  // it was pressed on, so Next moves one slot and Undo goes back to where the chair was.
  if (action === "adjust") {
    // +30 s pressed twice means +60 s: each waits for the one before and names the state that one left.
    const prev = adjusting;
    let done;
    adjusting = new Promise((r) => { done = r; });
    await prev;
    try { return await sendNow(action, extra, timer.state?.revision); } finally { done(); }
  }
  if (key === lastPress.key && (lastPress.onTheWay || performance.now() - lastPress.at < DOUBLE_TAP_MS)) {
    return sendNow(lastPress.action, extra, lastPress.revision);
  }
  const press = { key, action, revision: timer.state?.revision, at: performance.now(), onTheWay: true };
  lastPress = press;
  try {
    return await sendNow(action, extra, press.revision);
  } finally {
    press.onTheWay = false;
    press.at = performance.now();
  }
}

async function sendNow(action, extra, revision) {
  const body = { action, command_id: newId(), ...extra };
  if (Number.isInteger(revision)) body.expected_revision = revision;
  const label = action === "adjust" ? `${extra.seconds > 0 ? "+" : "−"}${Math.abs(extra.seconds)} s` : LABELS[action] ?? action;
  showAck(`${label}… sending`, "pending");
  let res = null;
  let waits = 0;
  for (let attempt = 0; attempt < 2; attempt++) {
    res = timer.conn.connected
      ? await timer.conn.call("timer_command", { room_id: roomId, ...body }, 3000)
      : await viaHttp(body);
    // The database cannot save now (503): the same command id again after Retry-After, by itself, and say so.
    if (res.error === "database_unavailable" && waits < DB_RETRIES) {
      waits++;
      attempt--;
      const wait = Math.max(1, Number(res.retry_after) || 3);
      showAck(`${label}… the server cannot save right now; retrying by itself in ${wait} s (${waits}/${DB_RETRIES})`, "pending");
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      continue;
    }
    if (res.ok || (res.error !== "timeout" && res.error !== "network")) break;
  }
  if (res.ok) {
    timer.accept(res.state);
    const at = ACK_CLOCK.format(new Date());
    showAck(`✓ ${label}${res.state.duplicate ? " (already done)" : ""} · ${at}`, "ok");
  } else if (res.error === "stale" && res.snapshot) {
    timer.accept(res.snapshot);
    showAck(`✓ ${label} not repeated: the timer had already changed (shown now)`, "ok");
  } else {
    showAck(`✗ ${label}: ${res.message || res.error}`, "error");
  }
  return res;
}

function toggleAction() {
  const st = timer.state;
  if (!st) return;
  send(st.state === "running" ? "pause" : st.state === "paused" ? "resume" : "start", {}, "toggle");
}

root.addEventListener("click", (ev) => {
  const button = ev.target.closest("button");
  if (!button || button.disabled) return;
  if (button.dataset.action === "toggle") toggleAction();
  else if (button.dataset.action === "adjust") send("adjust", { seconds: Number(button.dataset.seconds) });
  else if (button.dataset.action) send(button.dataset.action);
  else if (button.dataset.preset) send("message", { text: button.dataset.preset, flash: true });
});

const custom = root.querySelector("[data-custom]");
custom.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = custom.elements.text.value.trim();
  if (!text) return;
  send("message", { text, flash: custom.elements.flash.checked }).then((res) => {
    if (res.ok) custom.elements.text.value = "";
  });
});

const KEYS = {
  " ": toggleAction,
  n: () => send("next"), ArrowRight: () => send("next"),
  p: () => send("previous"), ArrowLeft: () => send("previous"),
  q: () => send("qa"),
  "+": () => send("adjust", { seconds: 30 }), "=": () => send("adjust", { seconds: 30 }),
  "-": () => send("adjust", { seconds: -30 }),
  "]": () => send("adjust", { seconds: 60 }), "[": () => send("adjust", { seconds: -60 }),
  u: () => send("undo"),
  r: () => send("reset"),
  f: () => send("flash"),
  c: () => send("clear_message"),
  5: () => send("message", { text: "5 minutes left", flash: true }),
  w: () => send("message", { text: "Please wrap up", flash: true }),
};

document.addEventListener("keydown", (ev) => {
  if (ev.target.closest("input, textarea, select, [contenteditable]")) return;
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "z") {
    ev.preventDefault();
    send("undo");
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const handler = KEYS[ev.key] ?? KEYS[ev.key.toLowerCase()];
  if (!handler) return;
  if (ev.key === " " && ev.target.closest("button, a, summary")) return; // Space on a focused control activates it
  ev.preventDefault();
  handler();
});

// Keep the phone awake while the console is open; the lock drops when hidden, so take it again on return.
let wakeLock = null;
async function keepAwake() {
  if (!("wakeLock" in navigator) || document.visibilityState !== "visible" || wakeLock) return;
  try {
    wakeLock = await navigator.wakeLock.request("screen");
    wakeLock.addEventListener("release", () => { wakeLock = null; });
  } catch {
    const hint = root.querySelector("[data-wakelock]");
    if (hint) hint.textContent = "This browser may let the screen sleep: keep it awake in the phone's settings.";
  }
}
document.addEventListener("visibilitychange", keepAwake);
keepAwake();

export { send, describe };
