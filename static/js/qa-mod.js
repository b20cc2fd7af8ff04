// The moderator console of a session: live over `qa-mod:<slot_id>`; every action is one PATCH/POST.
import { live } from "./live.js";
import { api } from "./api.js";
import { countsText, sortQuestions } from "./qa-common.js";

const root = document.querySelector("[data-qa-mod]");
const conn = live();
const $ = (sel) => root.querySelector(sel);
const list = $("[data-mod-list]");
const statusLine = $("[data-mod-status-line]");
const sessionId = root.dataset.sessionId;

let slotId = root.dataset.slotId || null;
let channel = null;
const questions = new Map();
const view = { status: "visible", sort: "popular", origin: "all" };
let editing = null; // the id being edited: live updates do not steal the text box

function say(text) {
  statusLine.textContent = text;
}

function applySnapshot(snap) {
  questions.clear();
  for (const q of snap.questions) questions.set(q.id, q);
  $("[data-mod-premod]").checked = snap.premoderation;
  $("[data-mod-closed]").checked = snap.closed;
  $("[data-qa-counts]").textContent = countsText(snap.counts);
  // A moderator's first look goes to the queue when something waits in it.
  if (snap.questions.some((q) => q.status === "pending") && !applySnapshot.seen) setFilter("status", "pending");
  applySnapshot.seen = true;
  render();
}

function applyDelta(message) {
  const { counts, ...delta } = message;
  if (delta.slot_id && delta.slot_id !== slotId) return;
  if (counts) $("[data-qa-counts]").textContent = countsText(counts);
  const known = questions.get(delta.id);
  if (known) Object.assign(known, delta);
  else if (delta.text !== undefined) questions.set(delta.id, { ...delta });
  else return;
  if (delta.highlighted) for (const q of questions.values()) if (q.id !== delta.id) q.highlighted = false;
  render();
}

function matches(q) {
  if (view.origin !== "all" && q.origin !== view.origin) return false;
  if (view.status === "all") return true;
  if (view.status === "starred") return q.starred;
  return q.status === view.status;
}

function button(label, action, { pressed, cls } = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `small ${cls ?? ""}`;
  b.textContent = label;
  b.dataset.action = action;
  if (pressed !== undefined) b.setAttribute("aria-pressed", String(pressed));
  return b;
}

function card(q) {
  const li = document.createElement("li");
  li.className = "qa-q qa-mod-q";
  li.dataset.qid = q.id;
  li.classList.toggle("is-highlighted", q.highlighted);
  li.classList.toggle("is-muted", q.muted);
  const body = document.createElement("div");
  body.className = "qa-q-body";
  if (editing === q.id) {
    const area = document.createElement("textarea");
    area.value = q.text;
    area.maxLength = 500;
    area.rows = 3;
    area.dataset.editText = "";
    area.setAttribute("aria-label", "Edit the question");
    body.append(area, button("Save", "save", { cls: "primary" }), button("Cancel", "cancel"));
  } else {
    const text = document.createElement("p");
    text.className = "qa-text";
    text.textContent = q.text;
    body.append(text);
  }
  const meta = document.createElement("p");
  meta.className = "qa-meta";
  const bits = [`#${q.id}`, q.name || "Anonymous", q.origin === "online" ? "online" : "in the room",
    `${q.votes} ▲`, `voter ${q.voter}`, q.status === "pending" ? "in review" : q.status];
  if (q.flagged) bits.push("⚑ word list");
  if (q.muted) bits.push("muted");
  if (q.highlighted) bits.push("ON SCREEN");
  if (q.similar_to?.length) bits.push(`similar to #${q.similar_to.join(", #")}`);
  if (q.vote_pileup) bits.push(`⚠ ${q.fresh_votes} votes from brand-new phones`);
  meta.textContent = bits.join(" · ");
  body.append(meta);
  if (q.original_text) {
    const orig = document.createElement("p");
    orig.className = "qa-help";
    orig.textContent = `Asked as: ${q.original_text}`;
    body.append(orig);
  }
  const actions = document.createElement("div");
  actions.className = "qa-actions";
  if (q.status === "pending") actions.append(button("Approve", "approve", { cls: "primary" }));
  if (q.status === "visible") actions.append(button("Answered", "answered"));
  if (q.status === "answered") actions.append(button("Reopen", "approve"));
  if (q.status === "hidden") actions.append(button("Restore", "approve"));
  else actions.append(button("Hide", "hide"));
  if (q.status === "visible" || q.status === "answered") {
    actions.append(button(q.highlighted ? "Off screen" : "On screen", "highlight", { pressed: q.highlighted }));
  }
  actions.append(button(q.starred ? "★ Starred" : "☆ Star", "star", { pressed: q.starred }));
  actions.append(button("Edit", "edit"));
  actions.append(button(q.muted ? "Unmute voter" : "Mute voter", q.muted ? "unmute" : "mute"));
  if (q.vote_pileup) actions.append(button("Discount new-phone votes", "discount"));
  li.append(body, actions);
  return li;
}

function render() {
  const all = [...questions.values()];
  for (const value of ["pending", "visible", "answered", "hidden", "starred", "all"]) {
    const n = all.filter((q) => (value === "all" ? true : value === "starred" ? q.starred : q.status === value)).length;
    const mark = root.querySelector(`[data-mod-count="${value}"]`);
    if (mark) mark.textContent = `\u00a0(${n})`;
  }
  const shown = sortQuestions(all.filter(matches), view.sort);
  list.replaceChildren(...shown.map(card));
  $("[data-mod-none]").hidden = shown.length > 0;
  if (editing) list.querySelector("[data-edit-text]")?.focus();
}

async function patch(id, changes) {
  const r = await api("PATCH", `/api/v1/questions/${id}`, changes);
  if (r.ok) applyDelta(r.body);
  else say(r.message);
  return r;
}

list.addEventListener("click", async (e) => {
  const b = e.target.closest("[data-action]");
  if (!b) return;
  const id = Number(b.closest("[data-qid]").dataset.qid);
  const q = questions.get(id);
  switch (b.dataset.action) {
    case "approve": await patch(id, { status: "visible" }); say(`#${id} is open.`); break;
    case "answered": await patch(id, { status: "answered" }); say(`#${id} answered.`); break;
    case "hide": await patch(id, { status: "hidden" }); say(`#${id} hidden.`); break;
    case "highlight": await patch(id, { highlighted: !q.highlighted }); break;
    case "star": await patch(id, { starred: !q.starred }); break;
    case "edit": editing = id; render(); break;
    case "cancel": editing = null; render(); break;
    case "save": {
      const text = list.querySelector("[data-edit-text]").value;
      const r = await patch(id, { text });
      if (r.ok) { editing = null; render(); say(`#${id} edited; the original is kept.`); }
      break;
    }
    case "discount": {
      const r = await api("POST", `/api/v1/questions/${id}/discount-fresh`);
      if (r.ok) {
        Object.assign(q, { votes: r.body.votes, fresh_votes: 0, vote_pileup: false });
        say(`#${id}: ${r.body.discounted} votes from brand-new phones no longer count.`);
        render();
      } else say(r.message);
      break;
    }
    case "mute":
    case "unmute": {
      const r = await api(b.dataset.action === "mute" ? "POST" : "DELETE", `/api/v1/questions/${id}/mute`);
      if (r.ok) {
        for (const other of questions.values()) if (other.voter === q.voter) other.muted = r.body.muted;
        say(r.body.muted ? `Voter ${r.body.voter} muted: their questions are hidden from others and their votes no longer count.`
          : `Voter ${r.body.voter} unmuted.`);
        render();
      } else say(r.message);
      break;
    }
    default:
  }
});

function setFilter(kind, value) {
  view[kind] = value;
  const attr = { status: "data-mod-status", sort: "data-mod-sort", origin: "data-mod-origin" }[kind];
  for (const b of root.querySelectorAll(`[${attr}]`)) b.setAttribute("aria-pressed", String(b.getAttribute(attr) === value));
}

for (const kind of ["status", "sort", "origin"]) {
  for (const b of root.querySelectorAll(`[data-mod-${kind}]`)) {
    b.addEventListener("click", () => { setFilter(kind, b.getAttribute(`data-mod-${kind}`)); render(); });
  }
}

$("[data-mod-premod]").addEventListener("change", async (e) => {
  const r = await api("PATCH", `/api/v1/sessions/${encodeURIComponent(sessionId)}/qa`, { premoderation: e.target.checked });
  say(r.ok ? (r.body.premoderation ? "Pre-moderation on: new questions wait for approval." : "Pre-moderation off.") : r.message);
});
$("[data-mod-closed]").addEventListener("change", async (e) => {
  const r = await api("PATCH", `/api/v1/slots/${encodeURIComponent(slotId)}/qa`, { closed: e.target.checked });
  say(r.ok ? (r.body.closed ? "Board closed." : "Board open.") : r.message);
});

function exportLinks() {
  const base = "/api/v1/qa/export";
  const slot = encodeURIComponent(slotId ?? "");
  const links = { "unanswered-csv": `${base}.csv?slot_id=${slot}&only=unanswered`, csv: `${base}.csv?slot_id=${slot}`,
    json: `${base}.json?slot_id=${slot}` };
  for (const a of root.querySelectorAll("[data-export]")) a.href = links[a.dataset.export];
}

function showSlot(id) {
  if (channel) conn.unsubscribe(channel);
  slotId = id;
  questions.clear();
  exportLinks();
  const url = new URL(window.location.href);
  url.searchParams.set("slot", id);
  history.replaceState(null, "", url);
  channel = `qa-mod:${id}`;
  conn.subscribe(channel, applySnapshot);
  api("GET", `/api/v1/slots/${encodeURIComponent(id)}/questions`).then((r) => {
    if (r.ok && slotId === id) applySnapshot(r.body);
  });
}

$("[data-mod-slot]").addEventListener("change", (e) => showSlot(e.target.value));
conn.on("question", applyDelta);
conn.on("qa_counts", (c) => { if (c.slot_id === slotId) $("[data-qa-counts]").textContent = countsText(c); });
conn.on("qa_board", (b) => {
  if (b.slot_id !== slotId) return;
  if ("closed" in b) $("[data-mod-closed]").checked = b.closed;
  if ("premoderation" in b) $("[data-mod-premod]").checked = b.premoderation;
});

// Co-moderators (organizers and the chair only).
const comods = root.querySelector("[data-comods]");
async function loadComods() {
  const r = await api("GET", `/api/v1/sessions/${encodeURIComponent(sessionId)}/moderators`);
  if (!r.ok) return;
  comods.querySelector("[data-comod-list]").replaceChildren(...r.body.moderators.map((m) => {
    const li = document.createElement("li");
    li.append(document.createTextNode(`${m.name} `));
    const b = button("Revoke", "revoke");
    b.addEventListener("click", async () => {
      const x = await api("DELETE", `/api/v1/sessions/${encodeURIComponent(sessionId)}/moderators/${m.id}`);
      say(x.ok ? `${m.name} can no longer moderate.` : x.message);
      loadComods();
    });
    li.append(b);
    return li;
  }));
}
if (comods) {
  comods.querySelector("[data-comod-form]").addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = new FormData(e.target).get("name");
    const r = await api("POST", `/api/v1/sessions/${encodeURIComponent(sessionId)}/moderators`, { name });
    const out = comods.querySelector("[data-comod-link]");
    if (r.ok) {
      out.textContent = "";
      out.append(`Send this one-time sign-in link to ${r.body.name}: `);
      const code = document.createElement("code");
      code.textContent = r.body.login_url;
      out.append(code);
      e.target.reset();
      loadComods();
    } else out.textContent = r.message;
  });
  loadComods();
}

if (slotId) showSlot(slotId);
