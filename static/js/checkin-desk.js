// The organizer's desk: walk-in registration (badge shown at once) and undo with a reason.
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";

async function api(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  return { ok: res.ok, data };
}

const form = document.querySelector("[data-walkin]");
const out = document.querySelector("[data-walkin-result]");
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const { ok, data } = await api("POST", "/api/v1/checkin/walkins", {
    name: form.elements.name.value,
    affiliation: form.elements.affiliation.value,
  });
  if (!ok) {
    out.textContent = data.message || "That did not work.";
    return;
  }
  out.textContent = `${data.badge.name} is registered and checked in. Opening the badge…`;
  window.location.href = data.badge_url;
});

for (const button of document.querySelectorAll("[data-undo]")) {
  button.addEventListener("click", async () => {
    const reason = window.prompt(`Undo the check-in of ${button.dataset.name}? Reason (logged):`, "Wrong person scanned");
    if (!reason || !reason.trim()) return;
    const { ok, data } = await api("POST", `/api/v1/checkins/${button.dataset.undo}/undo`, { reason });
    if (ok) window.location.reload();
    else window.alert(data.message || "That did not work.");
  });
}
