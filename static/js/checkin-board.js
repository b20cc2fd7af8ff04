// The coverage board: a snapshot on subscribe, then pushes of the changed papers; statuses in words and colour.
import { api } from "/static/js/api.js";
import { live, showStatus } from "/static/js/live.js";

const root = document.getElementById("board");
const CHANNEL = root.dataset.channel;
const ORGANIZER = root.dataset.organizer === "yes";
// A chair of several rooms follows the whole channel and sees only their rooms (counted here).
const ROOMS = root.dataset.rooms ? new Set(root.dataset.rooms.split(",")) : null;
const mine = (roomId) => !ROOMS || ROOMS.has(roomId);
const ORDER = ["uncovered", "at_risk", "waiting", "excused", "covered"];
const LABEL = { uncovered: "✗ Uncovered", at_risk: "! At risk", waiting: "… Waiting", excused: "○ Excused", covered: "✓ Covered" };
const ATTENDANCE = { in_person: "", online: " (online)", none: " (not registered)" };
const REFRESH_MS = 60000; // statuses also move with the clock (waiting → at risk): re-read once a minute

const papers = new Map();
let summary = {};
let sessions = [];
let arrivals = [];

const conn = live();
showStatus(conn);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

function applySnapshot(snap) {
  if (!snap) return;
  papers.clear();
  for (const p of snap.papers) if (mine(p.room_id)) papers.set(p.paper_id, p);
  summary = snap.summary || {};
  sessions = (snap.sessions || []).filter((x) => mine(x.room_id));
  arrivals = snap.arrivals || [];
  render();
}

conn.subscribe(CHANNEL, applySnapshot);
conn.on("coverage", (msg) => {
  for (const p of msg.papers || []) if (mine(p.room_id)) papers.set(p.paper_id, p);
  if (msg.summary) summary = msg.summary;
  render();
  // Sessions and arrivals change with each scan too: re-read them quietly.
  refresh();
});
let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const ack = await conn.call("subscribe", { channel: CHANNEL });
    if (ack && ack.ok) applySnapshot(ack.snapshot);
  } finally {
    refreshing = false;
  }
}
setInterval(refresh, REFRESH_MS);

function render() {
  if (ROOMS) {
    const counts = { total: papers.size, checked_in: summary.checked_in, at: summary.at };
    for (const s of ORDER) counts[s] = 0;
    for (const p of papers.values()) counts[p.status] += 1;
    summary = counts;
  }
  const counters = root.querySelector("[data-counters]");
  counters.replaceChildren(
    ...ORDER.map((s) => el("li", { class: `counter status-${s}`, "data-count": s }, el("strong", {}, String(summary[s] ?? 0)), ` ${LABEL[s].slice(2)}`)),
    el("li", { class: "counter" }, el("strong", {}, String(summary.checked_in ?? 0)), " people checked in"),
  );
  root.querySelector("[data-updated]").textContent = `Updated ${summary.at ? summary.at.slice(11, 16) : ""} · ${summary.total ?? 0} papers`;

  const list = [...papers.values()].sort(
    (a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || (a.starts_at || "~").localeCompare(b.starts_at || "~"),
  );
  const body = root.querySelector("[data-papers]");
  body.replaceChildren(...list.map(row));

  root.querySelector("[data-sessions]").replaceChildren(
    ...sessions.map((x) => {
      const when = x.minutes_to_start == null ? "" : x.minutes_to_start > 0 ? `starts in ${x.minutes_to_start} min` : "started";
      return el("li", { class: x.ready === x.papers ? "ready" : "not-ready" }, el("strong", {}, x.title), ` · ${x.hhmm || ""} · ${x.ready} of ${x.papers} papers covered or excused; ${when}`);
    }),
  );
  const max = Math.max(1, ...arrivals.map((a) => a.count));
  root.querySelector("[data-arrivals]").replaceChildren(
    ...arrivals.map((a) => {
      const bar = el("span", { class: "bar" });
      bar.style.width = `${(100 * a.count) / max}%`; // CSSOM, allowed by the CSP
      return el("li", {}, el("span", { class: "bar-label" }, `${a.at} · ${a.count}`), bar);
    }),
  );
}

function row(p) {
  const present = p.present_authors.map((a) => a.name).join(", ");
  const missing = p.missing_authors.map((a) => `${a.name}${ATTENDANCE[a.attendance] || ""}`).join(", ");
  const authors = el("td", {});
  if (present) authors.append(el("span", { class: "present" }, `Here: ${present}`));
  if (missing) authors.append(el("span", { class: "missing" }, `Not yet: ${missing}`));
  if (p.excuse) authors.append(el("span", { class: "excuse" }, `Excused by ${p.excuse.by}: ${p.excuse.reason}`));
  const talk = `${p.hhmm || "—"}${p.session_title ? " · " + p.session_title : ""}${p.mode === "remote" ? " · remote" : ""}`;
  const tr = el(
    "tr",
    { "data-paper": p.paper_id, "data-status": p.status, class: `status-${p.status}` },
    el("td", {}, el("span", { class: `pill status-${p.status}` }, LABEL[p.status] || p.status)),
    el("td", {}, el("strong", {}, p.paper_id), " ", p.title),
    el("td", {}, talk),
    authors,
  );
  if (ORGANIZER) {
    const cell = el("td", {});
    const button = el("button", { type: "button", class: "small" }, p.excuse ? "Remove excuse" : "Excuse…");
    button.addEventListener("click", () => (p.excuse ? unexcuse(p) : excuse(p)));
    cell.append(button);
    tr.append(cell);
  }
  return tr;
}

async function excuse(p) {
  const reason = window.prompt(`Why is ${p.paper_id} excused? (logged)`, "Approved remote presentation");
  if (!reason || !reason.trim()) return;
  await send("PUT", p.paper_id, { reason });
}
async function unexcuse(p) {
  const reason = window.prompt(`Remove the excuse of ${p.paper_id}? Reason (logged):`, "");
  if (reason === null) return;
  await send("DELETE", p.paper_id, { reason });
}
async function send(method, paperId, body) {
  const r = await api(method, `/api/v1/coverage/${encodeURIComponent(paperId)}/excuse`, body);
  if (!r.ok) window.alert(r.message);
}
