// Shared by the audience page, the moderator console and the stage partial: sorting, counts, the current slot.
import { api } from "./api.js";
import { live } from "./live.js";

export const PUBLIC = new Set(["visible", "answered"]);

const TRENDING_GRAVITY = 1.5;

function created(q) {
  return Date.parse(q.created_at);
}

/** The same order as eventapp/qa/policy.py sort_questions: the highlighted question always leads. */
export function sortQuestions(list, mode, nowMs = Date.now()) {
  const key = {
    recent: (a, b) => created(b) - created(a) || b.id - a.id,
    trending: (a, b) => trend(b) - trend(a) || created(a) - created(b) || a.id - b.id,
    popular: (a, b) => b.votes - a.votes || created(a) - created(b) || a.id - b.id,
  }[mode] ?? ((a, b) => b.votes - a.votes || a.id - b.id);
  function trend(q) {
    const hours = Math.max(0, (nowMs - created(q)) / 3600000);
    return q.votes / (hours + 0.25) ** TRENDING_GRAVITY;
  }
  return [...list].sort((a, b) => Number(b.highlighted) - Number(a.highlighted) || key(a, b));
}

export function countsText(c) {
  if (!c) return "";
  return `${c.visible} open · ${c.answered} answered · ${c.pending} in review`;
}

/**
 * THE one place the browser decides which slot a room is on: the room's timer. Every change of the timer's slot
 * (the chair's next/previous, a snapshot after a reconnect) asks the server which board that means (during a break
 * the next talk's: eventapp/qa/board.py current_slot_id). Calls onChange(slotId) whenever the board changes.
 */
export function followCurrentSlot(roomId, onChange, initial = null, onTimer = null) {
  const conn = live();
  let board = initial;
  let timerSlot = null;
  async function check() {
    const r = await api("GET", `/api/v1/rooms/${encodeURIComponent(roomId)}/qa`);
    if (r.ok && r.body.slot_id && r.body.slot_id !== board) {
      board = r.body.slot_id;
      onChange(board);
    }
  }
  function onTimerState(timer) {
    if (timer && timer.room_id === roomId && onTimer) onTimer(timer); // e.g. the audience page's "next" line
    if (!timer || timer.room_id !== roomId || timer.slot_id === timerSlot) return;
    const first = timerSlot === null;
    timerSlot = timer.slot_id;
    if (!first || board === null) check();
  }
  conn.subscribe(`timer:${roomId}`, onTimerState);
  conn.on("timer", onTimerState);
  return check;
}
