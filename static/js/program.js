// Program, room and stage pages: now/next from the server's clock, live program changes over the socket.
import { live } from "./live.js";
import { byPlan, hhmm, showNowNext } from "./nownext.js";

const conn = live();
const roomId = document.querySelector("[data-room-id]")?.dataset.roomId ?? null;
let slots = [];

function slotsFrom(program) {
  const list = [];
  for (const session of program.sessions) {
    if (roomId && session.room_id !== roomId) continue;
    for (const slot of session.slots) {
      list.push({ ...slot, start: Date.parse(slot.starts_at), end: Date.parse(slot.ends_at) });
    }
  }
  return list.sort((a, b) => a.start - b.start);
}

/** The room whose timer runs or is paused decides "now" (the first, in the program's order); else null. */
function timerNow() {
  const rooms = latest?.plan?.rooms ?? {};
  for (const [id, p] of Object.entries(rooms)) {
    if (roomId && id !== roomId) continue;
    if (p.now_from === "timer" && p.current_slot_id) return { roomId: id, ...p };
  }
  return null;
}

function render() {
  const now = conn.now();
  const byTimer = timerNow();
  let current;
  let upcoming;
  let past = null; // with the timer leading: the slots of its room before the one it is on
  if (byTimer) {
    const roomSlots = latest.sessions.filter((x) => x.room_id === byTimer.roomId).flatMap((x) => x.slots);
    const at = roomSlots.findIndex((x) => x.id === byTimer.current_slot_id);
    current = slots.find((x) => x.id === byTimer.current_slot_id) ?? null;
    upcoming = slots.find((x) => x.id === byTimer.next_slot_id) ?? null;
    past = new Map(roomSlots.map((x, i) => [x.id, i < at]));
  } else {
    ({ current, upcoming } = byPlan(slots, now));
  }
  showNowNext(current, upcoming);
  for (const row of document.querySelectorAll("[data-slot-id]")) {
    const isCurrent = current && row.dataset.slotId === current.id;
    row.classList.toggle("is-current", Boolean(isCurrent));
    if (isCurrent) row.setAttribute("aria-current", "time");
    else row.removeAttribute("aria-current");
    const isPast = past && past.has(row.dataset.slotId) ? past.get(row.dataset.slotId) : Date.parse(row.dataset.ends) <= now;
    row.classList.toggle("is-past", isPast);
  }
  const clock = document.querySelector("[data-clock]");
  if (clock && venueClock) clock.textContent = venueClock.format(new Date(now));
}

let venueClock = null; // the wall clock of the venue, whatever zone this phone is in

function lateness(seconds) {
  if (seconds >= 60) return `${Math.floor(seconds / 60)} min late`;
  if (seconds <= -60) return `${Math.floor(-seconds / 60)} min early`;
  return "on time";
}

/** The day plan: each slot's actual or expected start, and each room's delay and expected end. */
function renderPlan(program) {
  const byId = new Map();
  for (const session of program.sessions) for (const slot of session.slots) byId.set(slot.id, slot);
  for (const row of document.querySelectorAll("[data-slot-id]")) {
    const slot = byId.get(row.dataset.slotId);
    const el = row.querySelector("[data-slot-plan]");
    if (!slot || !el) continue;
    const d = slot.delay_seconds ?? 0;
    let text = "";
    if (Math.abs(d) >= 86400) {
      // A timer run on another day (a rehearsal, the demo after its date): what happened, but no lateness or forecast.
      if (slot.actual_start) text = `Started ${hhmm(slot.actual_start)}${slot.actual_end ? `, ended ${hhmm(slot.actual_end)}` : ""}`;
    } else if (slot.actual_start) {
      text = `Started ${hhmm(slot.actual_start)} (${lateness(d)})${slot.actual_end ? `, ended ${hhmm(slot.actual_end)}` : ""}`;
    } else if (slot.expected_start && Math.abs(d) >= 60) {
      text = `Expected ${hhmm(slot.expected_start)} (${lateness(d)})`;
    }
    if (el.textContent !== text) el.textContent = text;
  }
  const summary = document.querySelector("[data-plan-summary]");
  if (!summary || !program.plan) return;
  const parts = [];
  for (const [roomId, p] of Object.entries(program.plan.rooms)) {
    if (roomId && document.querySelector("[data-room-id]") && roomId !== document.querySelector("[data-room-id]").dataset.roomId) continue;
    const d = p.delay_seconds;
    if (Math.abs(d) >= 86400) {
      parts.push("The timer is running outside the event's day: expected times are not meaningful.");
      continue;
    }
    const state = d >= 60 ? `${Math.floor(d / 60)} min behind` : d <= -60 ? `${Math.floor(-d / 60)} min ahead` : "On schedule";
    const prefix = program.rooms.length > 1 ? `${roomId}: ` : "";
    parts.push(`${prefix}${state} · expected end of the day ${hhmm(p.expected_end)} (planned ${hhmm(p.planned_end)})`);
  }
  summary.textContent = parts.join(" · ");
  summary.hidden = parts.length === 0;
}

let latest = null; // the last program payload (its plan says which rooms the timer leads)

function onProgram(program) {
  latest = program;
  slots = slotsFrom(program);
  renderPlan(program);
  venueClock = new Intl.DateTimeFormat("en-GB", { timeZone: program.event.timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  document.dispatchEvent(new CustomEvent("program:update", { detail: program }));
  render();
}

conn.subscribe("program", onProgram);
conn.on("program", onProgram);
setInterval(render, 1000);
