// Stage, speaker and remote screens: the shared timer drawing, the venue clock, and the optional stream delay.
import { follow } from "./timer.js";

const root = document.querySelector("[data-timer-root]");
const delayMs = Math.round(Number(root.dataset.delay || 0) * 1000);
const zone = root.dataset.timezone || undefined;
const clock = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const clockEls = root.querySelectorAll("[data-clock]");

follow(root, {
  roomId: root.dataset.roomId,
  delayMs,
  onFrame: ({ now }) => {
    const text = clock.format(new Date(now));
    for (const el of clockEls) if (el.textContent !== text) el.textContent = text;
  },
});
