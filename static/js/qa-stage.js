// The stage screen's question: the highlighted question of the room's current talk, in [data-stage-question].
// Live over `qa-stage:<room_id>`; when the room's timer moves to another talk, the board's question is fetched anew.
import { live } from "./live.js";
import { api } from "./api.js";
import { followCurrentSlot } from "./qa-common.js";

const box = document.querySelector("[data-stage-question]");
if (box) {
  const conn = live();
  const roomId = box.dataset.roomId;
  const empty = document.querySelector("[data-stage-empty]");
  const show = (state) => {
    const q = state && state.room_id === roomId ? state.question : null;
    box.hidden = !q;
    if (empty) empty.hidden = Boolean(q);
    if (!q) return;
    box.querySelector("[data-stage-text]").textContent = q.text;
    box.querySelector("[data-stage-name]").textContent = q.name || "Anonymous";
    box.querySelector("[data-stage-votes]").textContent = `${q.votes} ${q.votes === 1 ? "vote" : "votes"}`;
  };
  conn.subscribe(`qa-stage:${roomId}`, show);
  conn.on("qa_stage", show);
  const refresh = async () => {
    const r = await api("GET", `/api/v1/rooms/${encodeURIComponent(roomId)}/qa`);
    if (r.ok) show(r.body);
  };
  followCurrentSlot(roomId, refresh);
}
