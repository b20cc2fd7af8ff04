// The audience's Q&A page: ask, upvote, see counters; live over `qa:<slot_id>`. User text via textContent only.
import { live } from "./live.js";
import { api } from "./api.js";
import { byPlan, isoAt, showNowNext } from "./nownext.js";
import { PUBLIC, countsText, followCurrentSlot, sortQuestions } from "./qa-common.js";

const root = document.querySelector("[data-qa]");
const conn = live();
const $ = (sel) => root.querySelector(sel);
const list = $("[data-qa-list]");
const form = $("[data-qa-form]");
const statusLine = $("[data-qa-form-status]");
const textArea = form.querySelector("#qa-text");

let slotId = root.dataset.slotId || null;
let channel = null;
let sort = "popular";
const questions = new Map(); // id -> question
const mine = new Set();
const voted = new Set();
let board = { closed: false, premoderation: false };

function applySnapshot(snap) {
  questions.clear();
  for (const q of snap.questions) {
    questions.set(q.id, q);
    if (q.mine) mine.add(q.id);
    if (q.voted) voted.add(q.id);
    else voted.delete(q.id);
  }
  board = { closed: snap.closed, premoderation: snap.premoderation };
  $("[data-qa-title]").textContent = snap.title;
  document.title = `Q&A · ${snap.title}`;
  setCounts(snap.counts);
  render();
}

function setCounts(c) {
  $("[data-qa-counts]").textContent = countsText(c);
}

function applyDelta(message) {
  const { counts, ...delta } = message;
  if (delta.slot_id && delta.slot_id !== slotId) return;
  if (counts) setCounts(counts);
  const known = questions.get(delta.id);
  // Gone from view: anything no longer public, except one's own question back in review.
  if (delta.status && !PUBLIC.has(delta.status) && !(delta.status === "pending" && mine.has(delta.id))) {
    questions.delete(delta.id);
  } else if (known) {
    Object.assign(known, delta);
  } else if (delta.text !== undefined) {
    questions.set(delta.id, { ...delta });
  }
  if (delta.highlighted) {
    for (const q of questions.values()) if (q.id !== delta.id) q.highlighted = false;
  }
  render();
}

function badge(text, cls) {
  const b = document.createElement("span");
  b.className = `qa-badge ${cls}`;
  b.textContent = text;
  return b;
}

function item(q) {
  const li = document.createElement("li");
  li.className = "qa-q";
  li.dataset.qid = q.id;
  if (q.highlighted) li.classList.add("is-highlighted");
  if (q.status === "answered") li.classList.add("is-answered");
  const body = document.createElement("div");
  body.className = "qa-q-body";
  const text = document.createElement("p");
  text.className = "qa-text";
  text.textContent = q.text;
  const meta = document.createElement("p");
  meta.className = "qa-meta";
  meta.append(document.createTextNode(q.name || "Anonymous"));
  if (q.origin === "online") meta.append(" · ", badge("online", "is-online"));
  if (mine.has(q.id)) meta.append(" · ", badge("yours", "is-mine"));
  if (q.status === "pending") meta.append(" · ", badge("in review", "is-pending"));
  if (q.status === "answered") meta.append(" · ", badge("answered", "is-answered"));
  if (q.highlighted) meta.append(" · ", badge("on screen now", "is-highlighted"));
  body.append(text, meta);
  const vote = document.createElement("button");
  vote.type = "button";
  vote.className = "qa-vote";
  vote.dataset.vote = q.id;
  const has = voted.has(q.id);
  vote.setAttribute("aria-pressed", String(has));
  vote.disabled = q.status !== "visible" || board.closed;
  vote.setAttribute("aria-label", `${has ? "Take back your vote" : "Upvote"}: ${q.votes} ${q.votes === 1 ? "vote" : "votes"}`);
  const arrow = document.createElement("span");
  arrow.setAttribute("aria-hidden", "true");
  arrow.textContent = "▲";
  const count = document.createElement("span");
  count.className = "qa-votes";
  count.dataset.votes = "";
  count.textContent = String(q.votes);
  vote.append(arrow, count);
  li.append(body, vote);
  return li;
}

function render() {
  const focused = document.activeElement?.dataset?.vote;
  const shown = sortQuestions([...questions.values()], sort);
  list.replaceChildren(...shown.map(item));
  $("[data-qa-none]").hidden = shown.length > 0;
  $("[data-qa-closed]").hidden = !board.closed;
  $("[data-qa-premod]").hidden = !board.premoderation;
  form.hidden = board.closed || !slotId;
  if (focused) list.querySelector(`[data-vote="${focused}"]`)?.focus();
}

async function vote(id) {
  const up = !voted.has(id);
  const q = questions.get(id);
  if (up) voted.add(id);
  else voted.delete(id);
  if (q) q.votes += up ? 1 : -1; // optimistic; the answer and the live count correct it
  render();
  const r = await api(up ? "POST" : "DELETE", `/api/v1/questions/${id}/vote`);
  if (r.ok) {
    if (q) q.votes = r.body.votes;
  } else {
    if (up) voted.delete(id);
    else voted.add(id);
    if (q) q.votes += up ? -1 : 1;
    statusLine.textContent = r.message;
  }
  render();
}

list.addEventListener("click", (e) => {
  const button = e.target.closest("[data-vote]");
  if (button) vote(Number(button.dataset.vote));
});

for (const button of root.querySelectorAll("[data-qa-sort]")) {
  button.addEventListener("click", () => {
    sort = button.dataset.qaSort;
    for (const b of root.querySelectorAll("[data-qa-sort]")) b.setAttribute("aria-pressed", String(b === button));
    render();
  });
}

// Similar questions while typing: upvote instead of asking again.
let similarTimer = null;
textArea.addEventListener("input", () => {
  $("[data-qa-chars]").textContent = String(textArea.value.length);
  clearTimeout(similarTimer);
  similarTimer = setTimeout(async () => {
    const text = textArea.value.trim();
    const box = $("[data-qa-similar]");
    if (!slotId || text.length < 8) {
      box.hidden = true;
      return;
    }
    const r = await api("GET", `/api/v1/slots/${encodeURIComponent(slotId)}/similar?text=${encodeURIComponent(text)}`);
    const found = r.ok ? r.body.questions : [];
    const ul = $("[data-qa-similar-list]");
    ul.replaceChildren(...found.map((q) => {
      const li = document.createElement("li");
      li.textContent = `${q.text} (${q.votes} ▲)`;
      return li;
    }));
    box.hidden = found.length === 0;
  }, 400);
});

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!slotId) return;
  const data = new FormData(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  statusLine.textContent = "Sending…";
  const r = await api("POST", `/api/v1/slots/${encodeURIComponent(slotId)}/questions`, {
    text: data.get("text"), name: data.get("name") || null, origin: data.get("origin"),
  });
  button.disabled = false;
  if (r.ok) {
    mine.add(r.body.id);
    questions.set(r.body.id, { ...questions.get(r.body.id), ...r.body });
    textArea.value = "";
    $("[data-qa-chars]").textContent = "0";
    $("[data-qa-similar]").hidden = true;
    statusLine.textContent = r.body.status === "pending"
      ? "Sent. It is in review: it appears for everyone once a moderator approves it."
      : "Sent. Thank you!";
    render();
  } else {
    const wait = r.retryAfter ? ` (try again in ${r.retryAfter} s)` : "";
    statusLine.textContent = r.message + wait;
  }
});

function showSlot(id) {
  if (channel) conn.unsubscribe(channel);
  slotId = id;
  questions.clear();
  root.dataset.slotId = id || "";
  $("[data-qa-empty-slot]").hidden = Boolean(id);
  if (!id) {
    render();
    return;
  }
  channel = `qa:${id}`;
  conn.subscribe(channel, applySnapshot);
  // The HTTP read gives the first view at once (and works before the socket is up).
  api("GET", `/api/v1/slots/${encodeURIComponent(id)}/questions`).then((r) => {
    if (r.ok && slotId === id) applySnapshot(r.body);
  });
}

conn.on("question", applyDelta);
conn.on("qa_counts", (c) => c.slot_id === slotId && setCounts(c));
conn.on("qa_board", (b) => {
  if (b.slot_id !== slotId) return;
  if ("closed" in b) board.closed = b.closed;
  if ("premoderation" in b) board.premoderation = b.premoderation;
  render();
});

// Now and next in this room (templates/program/_nownext.html, filled as on the program and room pages): the slot
// the room's timer runs or holds paused is "now", and what follows shows at the time it is expected given how the
// timer runs; while the timer rests, the plan decides (the room's slots, rendered with the page). From the timer
// events this page follows anyway: no `program` channel on every phone.
const roomSlotsEl = root.querySelector("[data-room-slots]");
const roomSlots = roomSlotsEl ? JSON.parse(roomSlotsEl.textContent) : [];
let roomTimer = null; // the room's last timer state; until it comes, the server's first paint stands

function expectedStart(timer) {
  const next = timer.next_slot;
  const planned = next.planned_start_ms;
  const qaMs = (timer.slot?.qa_seconds || 0) * 1000;
  let slotEnd = null; // when the talk on stage is expected to end
  if (timer.state === "running") slotEnd = timer.segment === "talk" ? timer.qa_ends_at_ms ?? timer.ends_at_ms : timer.ends_at_ms;
  else if (timer.state === "paused") slotEnd = conn.now() + timer.remaining_ms + (timer.segment === "talk" ? qaMs : 0);
  const expected = slotEnd == null ? planned : Math.max(planned, slotEnd, conn.now());
  return isoAt(expected, next.starts_at);
}

function renderNowNext() {
  const t = roomTimer;
  if (!t) return;
  if ((t.state === "running" || t.state === "paused") && t.slot) {
    showNowNext(t.slot, t.next_slot ? { ...t.next_slot, expected_start: expectedStart(t) } : null);
  } else {
    const { current, upcoming } = byPlan(roomSlots, conn.now());
    showNowNext(current, upcoming);
  }
}

function onRoomTimer(timer) {
  roomTimer = timer;
  renderNowNext();
}

showSlot(slotId);
if (root.dataset.follow === "yes") {
  followCurrentSlot(root.dataset.roomId, showSlot, slotId, onRoomTimer);
  setInterval(renderNowNext, 1000); // the plan moves with the clock, and so does a paused talk's expected end
}
