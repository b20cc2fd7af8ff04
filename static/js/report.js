// The report page, live: when the program moves (a timer command ends a slot) or the door checks someone in, the
// server re-renders the report's body and it is swapped in. No chart is drawn here: the server draws them.
import { api } from "/static/js/api.js";
import { live } from "/static/js/live.js";

const root = document.getElementById("report");
const FRAGMENT = root.dataset.fragment;
const POLL_MS = 60000; // statuses also move with the clock (a slot's planned end passes): re-read once a minute

root.querySelector("[data-print]")?.addEventListener("click", () => window.print());

let pending = null;
let running = false;
let held = false; // an organizer is correcting a status: swapping the body now would throw their typing away
async function refresh() {
  if (root.querySelector("details.override[open]")) {
    held = true;
    return;
  }
  held = false;
  if (running) {
    pending = pending || setTimeout(() => { pending = null; refresh(); }, 300);
    return;
  }
  running = true;
  try {
    const res = await api("GET", FRAGMENT, undefined, { accept: "text/html" });
    if (!res.ok) return;
    // Server-rendered and escaped by Jinja; parsed as a document, never run as script.
    const doc = new DOMParser().parseFromString(res.text, "text/html");
    const fresh = doc.querySelector("[data-report-body]");
    const old = root.querySelector("[data-report-body]");
    if (fresh && old) old.replaceWith(document.adoptNode(fresh));
  } finally {
    running = false;
  }
}

// An organizer corrects a status (a talk given in another session...): PUT with the reason, then re-read.
root.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-override]");
  if (!form) return;
  event.preventDefault();
  const message = form.querySelector("[data-override-message]");
  const status = form.elements.status.value || null;
  const res = await api("PUT", `/api/v1/report/papers/${encodeURIComponent(form.dataset.override)}`, {
    status, reason: form.elements.reason.value,
  });
  if (!res.ok) {
    message.textContent = res.message;
    return;
  }
  message.textContent = "Saved.";
  form.closest("details").open = false;
  refresh();
});
// A correction abandoned (its details closed): catch up with what was held back.
root.addEventListener("toggle", (event) => {
  if (held && event.target.matches?.("details.override") && !event.target.open) refresh();
}, true);

const conn = live();
conn.subscribe("program", () => {});
conn.subscribe("coverage", () => {});
conn.on("program", refresh);
conn.on("coverage", refresh);
conn.on("connect", refresh);
setInterval(refresh, POLL_MS);
