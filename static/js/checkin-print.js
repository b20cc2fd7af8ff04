// The badge page: Print, and (one badge) Reissue for a lost or shared badge, with a reason for the log.
import { api } from "/static/js/api.js";

for (const button of document.querySelectorAll("[data-print]")) button.addEventListener("click", () => window.print());

for (const button of document.querySelectorAll("[data-reissue]")) {
  button.addEventListener("click", async () => {
    const reason = window.prompt("Reissue this badge? The old one will be refused at the door. Reason (logged):", "Lost badge");
    if (!reason || !reason.trim()) return;
    const r = await api("POST", `/api/v1/badges/${button.dataset.reissue}/reissue`, { reason });
    if (r.ok) window.location.reload();
    else window.alert(r.message);
  });
}
