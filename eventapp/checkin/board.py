"""The coverage board: its payload (GET /api/v1/coverage and the channels' snapshot), and the push after a commit
to every board, coalesced at a busy door, followed by the `coverage_changed` signal for other features."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from ..coalesce import Coalescer
from ..db import session_scope, utcnow
from ..program import schedule
from ..program.models import Authorship
from ..realtime import publish
from ..signals import coverage_changed, send_safely
from . import coverage
from .lookups import event_tz, hhmm
from .models import CheckIn
from .presence import evaluate_all

COVERAGE_CHANNEL = "coverage"
ROOM_CHANNEL = "coverage-room"  # a chair limited to some rooms follows coverage-room:<room_id>


def _entry(r: coverage.PaperStatus, tz: str) -> dict[str, Any]:
    p = r.paper
    return {
        "paper_id": p.paper_id,
        "title": p.title,
        "status": r.status,
        "present_authors": [{"person_id": a.person_id, "name": a.name} for a in r.present],
        "missing_authors": [{"person_id": a.person_id, "name": a.name, "attendance": a.attendance} for a in r.missing],
        "authors_expected": sum(a.attendance == "in_person" for a in p.authors),
        "slot_id": p.slot_id,
        "session_id": p.session_id,
        "session_title": p.session_title,
        "room_id": p.room_id,
        "starts_at": schedule.local_iso(p.starts_at, tz),
        "hhmm": hhmm(p.starts_at, tz),
        "minutes_to_start": r.minutes_to_start,
        "mode": p.mode,
        "excuse": None
        if r.excuse is None
        else {
            "reason": r.excuse.reason,
            "by": r.excuse.by,
            "at": schedule.local_iso(r.excuse.at, tz),
        },
    }


def _in_scope(room_ids: Iterable[str] | None, room_id: str | None) -> bool:
    rooms = tuple(room_ids or ())
    return not rooms or room_id in rooms


def coverage_payload(room_ids: Iterable[str] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """GET /api/v1/coverage and the channel's snapshot; `room_ids` narrows it to a chair's rooms."""
    now = now or utcnow()
    with session_scope() as s:
        tz = event_tz(s)
        statuses = [r for r in evaluate_all(s, now) if _in_scope(room_ids, r.paper.room_id)]
        arrivals = s.exec(
            select(CheckIn.scanned_at).where(CheckIn.undone_at.is_(None)).order_by(CheckIn.scanned_at)
        ).all()
    return {
        "papers": [_entry(r, tz) for r in statuses],
        "summary": _summary(statuses, len(arrivals), now, tz),
        "sessions": [
            {
                "session_id": x.session_id,
                "title": x.title,
                "room_id": x.room_id,
                "starts_at": schedule.local_iso(x.starts_at, tz),
                "hhmm": schedule.local_hhmm(x.starts_at, tz) if x.starts_at else None,
                "papers": x.papers,
                "ready": x.ready,
                "covered": x.covered,
                "minutes_to_start": x.minutes_to_start,
            }
            for x in coverage.readiness(statuses, now)
        ],
        "arrivals": _arrivals(arrivals, tz),
    }


def _summary(statuses: list[coverage.PaperStatus], checked_in: int, now: datetime, tz: str) -> dict[str, Any]:
    return {**coverage.summarize(statuses), "checked_in": checked_in, "at": schedule.local_iso(now, tz)}


def _arrivals(times: list[datetime], tz: str, bucket_minutes: int = 15) -> list[dict[str, Any]]:
    """Check-ins per quarter hour (local time), for the board's small chart."""
    counts: dict[str, int] = {}
    for t in times:
        local = schedule.to_local(t, tz)
        start = local.replace(minute=local.minute - local.minute % bucket_minutes, second=0, microsecond=0)
        key = start.strftime("%H:%M")
        counts[key] = counts.get(key, 0) + 1
    return [{"at": k, "count": v} for k, v in sorted(counts.items())]


def _flush(batch: dict[Hashable, Any]) -> None:
    publish_coverage_for_people(list(batch))


# At a busy door many scans share one push: boards still hear within CHECKIN_PUSH_DELAY seconds.
_push = Coalescer("coverage push", _flush, "CHECKIN_PUSH_DELAY")


def schedule_publish(person_ids: list[int]) -> None:
    """Push coverage after a check-in committed, coalesced (with a delay of 0, as in tests, at once)."""
    _push.add(person_ids)


def publish_coverage_for_people(person_ids: list[int]) -> list[dict[str, Any]]:
    return publish_coverage_for_papers([], always=True, person_ids=person_ids)


def publish_coverage_for_papers(
    paper_ids: list[str], always: bool = False, person_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """After a commit: push the changed papers (and the new counters) to every board, then send coverage_changed.
    `person_ids`: the papers these people author changed too (read in the same transaction)."""
    now = utcnow()
    with session_scope() as s:
        if person_ids:
            paper_ids = [*paper_ids, *s.exec(select(Authorship.paper_id).where(Authorship.person_id.in_(person_ids)))]
        tz = event_tz(s)
        statuses = evaluate_all(s, now)
        checked_in = s.exec(select(func.count()).select_from(CheckIn).where(CheckIn.undone_at.is_(None))).one()
    wanted = set(paper_ids)
    changed = [r for r in statuses if r.paper.paper_id in wanted]
    entries = [_entry(r, tz) for r in changed]
    if entries or always:
        publish(COVERAGE_CHANNEL, "coverage", {"papers": entries, "summary": _summary(statuses, checked_in, now, tz)})
        for room in {r.paper.room_id for r in changed if r.paper.room_id}:
            mine = [r for r in statuses if r.paper.room_id == room]
            publish(
                f"{ROOM_CHANNEL}:{room}",
                "coverage",
                {
                    "papers": [e for e in entries if e["room_id"] == room],
                    "summary": _summary(mine, checked_in, now, tz),
                },
            )
    send_safely(coverage_changed, entries=entries)  # a follower's bug must never undo or fail a check-in
    return entries
