// THE one way a page says what is on now and what comes next: fills templates/program/_nownext.html's [data-now]
// and [data-next]. The program and room pages feed it from the `program` channel (the day plan), the audience's
// Q&A page from its room's timer events; both pick "now" the same way: the slot a running or paused timer is on,
// else the plan (what started and has not ended), and show what follows at the time it is expected to start.

/** The venue's wall clock: payload times carry the event's offset (2024-08-04T09:00:00+09:00). */
export function hhmm(iso) {
  return iso.slice(11, 16);
}

/** `ms` as ISO 8601 in the offset of `likeIso` (a time of the same event), to the second. */
export function isoAt(ms, likeIso) {
  const offsetMs = Date.parse(`${likeIso.slice(0, 19)}Z`) - Date.parse(likeIso);
  return `${new Date(ms + offsetMs).toISOString().slice(0, 19)}${likeIso.slice(19)}`;
}

export function describe(slot) {
  return slot.presenter ? `${slot.title} — ${slot.presenter}` : slot.title;
}

/** What follows, at the time it is expected to start now (and the plan's time when it differs). */
export function nextText(slot) {
  const expected = slot.expected_start && hhmm(slot.expected_start) !== hhmm(slot.starts_at) ? slot.expected_start : null;
  return expected
    ? `${hhmm(expected)} ${describe(slot)} (expected; planned ${hhmm(slot.starts_at)})`
    : `${hhmm(slot.starts_at)} ${describe(slot)}`;
}

/** By the plan alone (the timer rests): what started and has not ended, and what starts next; slots sorted by start. */
export function byPlan(slots, nowMs) {
  const at = (iso) => Date.parse(iso);
  return {
    current: slots.find((s) => at(s.starts_at) <= nowMs && nowMs < at(s.ends_at)) ?? null,
    upcoming: slots.find((s) => at(s.starts_at) > nowMs) ?? null,
  };
}

/** Fill every [data-now] / [data-next] of the page. */
export function showNowNext(current, upcoming) {
  for (const el of document.querySelectorAll("[data-now]")) {
    const text = current ? describe(current) : "Nothing is on right now.";
    if (el.textContent !== text) el.textContent = text;
  }
  for (const el of document.querySelectorAll("[data-next]")) {
    const text = upcoming ? nextText(upcoming) : "Nothing more today.";
    if (el.textContent !== text) el.textContent = text;
  }
}
