// The badge page: Print, and (one badge) Reissue for a lost or shared badge, with a reason for the log.
for (const button of document.querySelectorAll("[data-print]")) button.addEventListener("click", () => window.print());

const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";
for (const button of document.querySelectorAll("[data-reissue]")) {
  button.addEventListener("click", async () => {
    const reason = window.prompt("Reissue this badge? The old one will be refused at the door. Reason (logged):", "Lost badge");
    if (!reason || !reason.trim()) return;
    const res = await fetch(`/api/v1/badges/${button.dataset.reissue}/reissue`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
      body: JSON.stringify({ reason }),
    });
    if (res.ok) window.location.reload();
    else window.alert((await res.json().catch(() => ({}))).message || "That did not work.");
  });
}
