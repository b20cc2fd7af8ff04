// The timer on every screen: follow `timer:<room>`, keep the newest state (by revision), and draw the time left
// from the deadline and the server-synced clock at 10 Hz, so a stalled network never freezes the digits.
import { live } from "./live.js";

export const CUES = {
  idle: "Ready",
  normal: "On time",
  warning: "Wrap up soon",
  danger: "Wrap up now",
  overtime: "Over time",
  paused: "Paused",
  finished: "The day's last slot is over",
};

/** The state as of `now`: a running talk past its deadline has flowed into its Q&A (no push needed). */
export function effective(st, now) {
  if (st && st.state === "running" && st.segment === "talk" && st.qa_ends_at_ms && now >= st.ends_at_ms) {
    return {
      ...st,
      segment: "qa",
      ends_at_ms: st.qa_ends_at_ms,
      qa_ends_at_ms: null,
      warning_ms: st.qa_warning_ms,
      danger_ms: st.qa_danger_ms,
      segment_ms: (st.slot?.qa_seconds ?? 0) * 1000,
    };
  }
  return st;
}

export function remaining(st, now) {
  return st.state === "running" && st.ends_at_ms != null ? st.ends_at_ms - now : st.remaining_ms;
}

export function phase(st, now) {
  if (!st || !st.slot_id || st.state === "idle" || st.state === "finished") return st ? st.state : "idle";
  const left = remaining(st, now);
  if (left < 0) return "overtime";
  if (st.state === "paused") return "paused";
  if (left <= st.danger_ms) return "danger";
  if (left <= st.warning_ms) return "warning";
  return "normal";
}

/** 12:34 counting down (a second shows until it is over), +1:05 in overtime, h:mm:ss past an hour. */
export function format(ms) {
  const over = ms < 0;
  const total = over ? Math.floor(-ms / 1000) : Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  const body = h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  return over ? `+${body}` : body;
}

/** Spoken form for screen readers (announced on phase changes only, never every second). */
export function spoken(ms) {
  const total = Math.round(Math.abs(ms) / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  const words = `${m ? `${m} minute${m === 1 ? "" : "s"}` : ""}${m && s ? " " : ""}${s || !m ? `${s} seconds` : ""}`;
  return ms < 0 ? `${words} over time` : `${words} left`;
}

export function segmentLabel(st) {
  if (!st || !st.slot) return "";
  if (st.slot.kind === "break") return "Break";
  return st.segment === "qa" ? "Q&A" : st.slot.kind === "keynote" ? "Keynote" : "Talk";
}

export function describe(slot) {
  if (!slot) return "";
  return slot.presenter ? `${slot.title} — ${slot.presenter}` : slot.title;
}

function setText(root, selector, text) {
  for (const el of root.querySelectorAll(selector)) {
    if (el.textContent !== text) el.textContent = text;
  }
}

/**
 * Follow a room's timer and draw it into `root` ([data-digits], [data-cue], [data-segment], [data-title],
 * [data-presenter], [data-next], [data-message]). `delayMs` shifts the clock back (remote viewers behind a
 * stream). `onState(state)` runs on every accepted state, `onFrame(view)` on every frame.
 */
export function follow(root, { roomId, delayMs = 0, onState = () => {}, onFrame = () => {} } = {}) {
  const conn = live();
  let st = null;
  let lastPhase = null;
  const initial = root.dataset.state ? JSON.parse(root.dataset.state) : null;

  function accept(next, fresh = false) {
    if (!next || next.room_id !== roomId) return;
    // Keyframes repeat the same revision: take them; drop anything older than what we hold, except a snapshot
    // (after a reconnect it is the truth, even if the database was reloaded and revisions started again).
    if (st && !fresh && next.revision < st.revision) return;
    st = next;
    setText(root, "[data-title]", st.slot ? st.slot.title : "Nothing scheduled");
    setText(root, "[data-presenter]", st.slot?.presenter ?? "");
    setText(root, "[data-next]", st.next_slot ? `${st.next_slot.starts_at.slice(11, 16)} ${describe(st.next_slot)}` : "Nothing more today");
    const msg = st.message && st.message.text ? st.message.text : "";
    for (const el of root.querySelectorAll("[data-message]")) {
      el.textContent = msg;
      el.toggleAttribute("data-long", msg.length > 40); // a long message takes a smaller size (timer.css)
      el.hidden = !msg && !(st.message && st.message.flash);
    }
    root.dataset.revision = String(st.revision);
    onState(st);
    draw();
  }

  function draw() {
    if (!st) return;
    const now = conn.now() - delayMs;
    const view = effective(st, now);
    const left = remaining(view, now);
    const ph = phase(view, now);
    setText(root, "[data-digits]", view.slot_id ? format(left) : "--:--");
    setText(root, "[data-cue]", CUES[ph] ?? ph);
    setText(root, "[data-segment]", segmentLabel(view));
    if (root.dataset.phase !== ph) root.dataset.phase = ph;
    const flashing = Boolean(st.message && st.message.flash && now - st.message.at_ms < 8000);
    root.classList.toggle("is-flashing", flashing);
    root.classList.toggle("is-offline", !conn.connected);
    const progress = view.segment_ms ? Math.max(0, Math.min(1, 1 - left / view.segment_ms)) : 0;
    root.style.setProperty("--progress", progress.toFixed(4));
    if (ph !== lastPhase) {
      lastPhase = ph;
      for (const el of root.querySelectorAll("[data-announce]")) el.textContent = `${CUES[ph] ?? ph}. ${spoken(left)}.`;
    }
    onFrame({ state: view, left, phase: ph, now });
  }

  if (initial) accept(initial);
  conn.on("timer", accept);
  conn.subscribe(`timer:${roomId}`, (snapshot) => accept(snapshot, true));
  setInterval(draw, 100); // 10 Hz from the deadline: no server tick needed
  document.addEventListener("live:synced", draw);
  return { conn, get state() { return st; }, accept, draw };
}
