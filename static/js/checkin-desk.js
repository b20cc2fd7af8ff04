// The organizer's desk: walk-in registration (badge shown at once) and undo with a reason.
import { api } from "/static/js/api.js";

const form = document.querySelector("[data-walkin]");
const out = document.querySelector("[data-walkin-result]");
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await api("POST", "/api/v1/checkin/walkins", {
    name: form.elements.name.value,
    affiliation: form.elements.affiliation.value,
  });
  if (!r.ok) {
    out.textContent = r.message;
    return;
  }
  const data = r.body;
  out.textContent = `${data.badge.name} is registered and checked in. Opening the badge…`;
  window.location.href = data.badge_url;
});

for (const button of document.querySelectorAll("[data-undo]")) {
  button.addEventListener("click", async () => {
    const reason = window.prompt(`Undo the check-in of ${button.dataset.name}? Reason (logged):`, "Wrong person scanned");
    if (!reason || !reason.trim()) return;
    const r = await api("POST", `/api/v1/checkins/${button.dataset.undo}/undo`, { reason });
    if (r.ok) window.location.reload();
    else window.alert(r.message);
  });
}
