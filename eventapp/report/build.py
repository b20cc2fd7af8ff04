"""The day's report: the facts read from program, check-in, timer and Q&A tables (one read transaction, a
handful of queries whatever the size of the day), the record decided by `record.py`, shaped for the API.

After `eventapp purge` the report is the one kept at purge time (`privacy.py`): statuses, times and counts,
no person-level attendance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import select

from ..auth import Staff
from ..checkin.models import CheckIn, PaperExcuse
from ..db import utcnow
from ..program import schedule
from ..program.models import Authorship, Paper, Person, WithdrawnPaper
from ..program.models import Session as ProgramSession
from ..program.service import get_event, slot_views
from ..qa.models import Question
from ..timer.models import TimerCommand, TimerRow, TimerSegment
from . import record
from .models import ReportKept, ReportOverride

# The statuses a question counts as approved (seen by the audience).
APPROVED = ("visible", "answered")


def _ms(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def _withdrawn(s: DbSession) -> list[tuple[str, str, datetime | None]]:
    """Papers withdrawn from the accepted ones: (id, title, when). They are not in the record (not accepted), and
    the report lists them apart. An import with --replace moves a paper to the program's WithdrawnPaper table."""
    rows = s.exec(select(WithdrawnPaper.id, WithdrawnPaper.title, WithdrawnPaper.withdrawn_at)).all()
    return [tuple(r) for r in rows]


def _runs(segments: Iterable[TimerSegment]) -> dict[tuple[str, str], record.Run]:
    """(room, slot) -> the timer's run: the talk's first start (else the Q&A's), the end once all have ended."""
    by: dict[tuple[str, str], list[TimerSegment]] = defaultdict(list)
    for seg in segments:
        by[(seg.room_id, seg.slot_id)].append(seg)
    runs = {}
    for key, segs in by.items():
        talk = [x for x in segs if x.segment == "talk"]
        start = min(x.started_at_ms for x in (talk or segs))
        ends = [x.ended_at_ms for x in segs]
        end = None if any(e is None for e in ends) else max(ends)
        runs[key] = record.Run(_ms(start), _ms(end))
    return runs


class Facts:
    """Everything the report needs, read in one transaction."""

    def __init__(self, s: DbSession, now: datetime):
        self.now = now
        self.event = get_event(s)
        self.tz = self.event.timezone
        self.views = slot_views(s)
        self.withdrawn = sorted(_withdrawn(s))
        gone = {pid for pid, _, _ in self.withdrawn}
        self.papers = [p for p in s.exec(select(Paper.id, Paper.title).order_by(Paper.id)).all() if p.id not in gone]
        self.authors: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for paper_id, pid, name in s.exec(
            select(Authorship.paper_id, Person.id, Person.name)
            .join(Person, Person.id == Authorship.person_id)
            .order_by(Authorship.paper_id, Authorship.position)
        ).all():
            self.authors[paper_id].append((pid, name))
        self.sessions = {
            sid: (title, chair)
            for sid, title, chair in s.exec(
                select(ProgramSession.id, ProgramSession.title, Person.name).join(
                    Person, Person.id == ProgramSession.chair_person_id, isouter=True
                )
            ).all()
        }
        staff = dict(s.exec(select(Staff.id, Staff.name)).all())
        self.arrivals: dict[int, record.Arrival] = {}
        self.arrival_times: list[datetime] = []
        for pid, at, device, staff_id, in_person in s.exec(
            select(CheckIn.person_id, CheckIn.scanned_at, CheckIn.device, CheckIn.staff_id, CheckIn.in_person).where(
                CheckIn.undone_at.is_(None)
            )
        ).all():
            self.arrival_times.append(at)
            if in_person:
                self.arrivals[pid] = record.Arrival(pid, at, device or "", staff.get(staff_id, "") or "")
        self.names = dict(s.exec(select(Person.id, Person.name)).all())
        self.registered = s.exec(select(func.count()).select_from(Person).where(Person.attendance != "none")).one()
        self.excuses = {e.paper_id: record.Mark(e.reason, e.by_name, e.created_at) for e in s.exec(select(PaperExcuse))}
        self.overrides = {
            o.paper_id: record.Mark(o.reason, o.by_name, o.created_at, o.status) for o in s.exec(select(ReportOverride))
        }
        self.runs = _runs(s.exec(select(TimerSegment)).all())
        rows = {r.room_id: r for r in s.exec(select(TimerRow)).all()}
        self.commands: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        for room_id, at, staff_id in s.exec(
            select(TimerCommand.room_id, TimerCommand.created_at, TimerCommand.staff_id).order_by(TimerCommand.id)
        ).all():
            if staff_id is not None:
                self.commands[room_id].append((at, staff.get(staff_id, f"Staff {staff_id}")))
        self.questions: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for slot_id, status, votes in s.exec(select(Question.slot_id, Question.status, Question.votes)).all():
            self.questions[slot_id].append((status, votes))
        self.kept = s.get(ReportKept, 1)

        # Each room's day in the timer's order, and where its timer stands.
        order: dict[str, list[str]] = defaultdict(list)
        for v in self.views:
            order[v.room_id].append(v.id)
        self.index = {slot_id: i for ids in order.values() for i, slot_id in enumerate(ids)}
        used_rooms = {room for room, _ in self.runs} | {r for r, row in rows.items() if row.last_command_id}
        room_end = {room: max(v.ends_at for v in self.views if v.room_id == room) for room in order}
        self.timers = {
            room: record.RoomTimer(
                room in used_rooms,
                self.index.get(rows[room].slot_id) if room in rows and rows[room].slot_id in self.index else None,
                now >= room_end[room] + record.CLOSE_AFTER,
            )
            for room in order
        }
        ends = [v.ends_at for v in self.views]
        self.day_over = bool(ends) and now >= max(ends)

    def slot_facts(self, v) -> record.SlotFacts:
        return record.SlotFacts(
            v.id, v.room_id, self.index[v.id], v.starts_at, v.ends_at, v.mode, self.runs.get((v.room_id, v.id))
        )


def _iso(moment: datetime | None, tz: str) -> str | None:
    return schedule.local_iso(moment, tz)


def _ran_by(facts: Facts, outcome: record.SlotOutcome | None) -> list[str]:
    """Who pressed the room's timer while this slot ran (command ids are kept for 12 hours)."""
    if outcome is None or not outcome.timer_record or outcome.start is None:
        return []
    start = outcome.start - timedelta(minutes=1)
    end = outcome.end or facts.now
    names = [name for at, name in facts.commands.get(outcome.slot.room_id, []) if start <= at <= end]
    return list(dict.fromkeys(names))


def _q_counts(facts: Facts, slot_ids: Iterable[str]) -> dict[str, int]:
    rows = [q for sid in slot_ids for q in facts.questions.get(sid, [])]
    return {
        "asked": len(rows),
        "approved": sum(st in APPROVED for st, _ in rows),
        "answered": sum(st == "answered" for st, _ in rows),
        "votes": sum(v for _, v in rows),
    }


def _paper_entry(facts: Facts, title: str, slots: list, r: record.Record) -> dict[str, Any]:
    tz = facts.tz
    o = r.slot
    view = next((v for v in slots if o is not None and v.id == o.slot.slot_id), slots[0] if slots else None)
    session_title, chair = facts.sessions.get(view.session_id, ("", None)) if view else ("", None)
    in_time = {a.person_id for a in r.present_in_time}
    excuse = facts.excuses.get(r.paper_id)
    override = facts.overrides.get(r.paper_id)
    q = _q_counts(facts, [v.id for v in slots])
    return {
        "paper_id": r.paper_id,
        "title": title,
        "status": r.status,
        "derived_status": r.derived_status,
        "authors_present": [
            {
                "person_id": a.person_id,
                "name": facts.names.get(a.person_id, ""),
                "checked_in_at": _iso(a.at, tz),
                "device": a.device,
                "volunteer": a.volunteer,
                "before_slot_end": a.person_id in in_time,
            }
            for a in r.present
        ],
        "authors": [{"person_id": pid, "name": name} for pid, name in facts.authors.get(r.paper_id, [])],
        "slot_id": view.id if view else None,
        "room_id": view.room_id if view else None,
        "session_id": view.session_id if view else None,
        "session_title": session_title,
        "mode": view.mode if view else None,
        "presenter": view.presenter if view else "",
        "planned_start": _iso(view.starts_at, tz) if view else None,
        "planned_end": _iso(view.ends_at, tz) if view else None,
        # Actual times only from the timer: a room without a timer record is judged by the plan (see the note).
        "actual_start": _iso(o.start, tz) if o and o.timer_record and o.phase in ("over", "running") else None,
        "actual_end": _iso(o.end, tz) if o and o.timer_record and o.phase == "over" else None,
        "timer_record": bool(o.timer_record) if o else False,
        "timer_run_by": _ran_by(facts, o),
        "chair": chair,
        "questions": {"asked": q["asked"], "answered": q["answered"]},
        "excuse": None if excuse is None else {"reason": excuse.reason, "by": excuse.by, "at": _iso(excuse.at, tz)},
        "override": None
        if override is None
        else {
            "status": override.status,
            "reason": override.reason,
            "by": override.by,
            "at": _iso(override.at, tz),
        },
        "note": r.note,
    }


def _talks(facts: Facts) -> list[dict[str, Any]]:
    tz = facts.tz
    out = []
    for v in facts.views:
        if v.kind == "break":
            continue
        o = record.slot_outcome(facts.slot_facts(v), facts.timers.get(v.room_id, record.RoomTimer(False)), facts.now)
        planned = v.talk_seconds + v.qa_seconds
        start = o.start if o.timer_record and o.phase in ("over", "running") else None
        end = o.end if o.timer_record and o.phase == "over" else None
        actual = int((end - start).total_seconds()) if start and end else None
        out.append(
            {
                "slot_id": v.id,
                "kind": v.kind,
                "title": v.title,
                "room_id": v.room_id,
                "paper_id": v.paper_id,
                "presenter": v.presenter,
                "planned_start": _iso(v.starts_at, tz),
                "planned_seconds": planned,
                "actual_start": _iso(start, tz),
                "actual_end": _iso(end, tz),
                "actual_seconds": actual,
                "overrun_seconds": None if actual is None else actual - planned,
                "drift_seconds": None if start is None else int((start - v.starts_at).total_seconds()),
                "phase": o.phase,
                "timer_record": o.timer_record,
                "questions": _q_counts(facts, [v.id]),
            }
        )
    return out


def _drift(talks: list[dict[str, Any]]) -> dict[str, Any]:
    """The day's drift: how late (or early) talks started against the plan, at worst and at the last one that ran."""
    ran = [t for t in talks if t["drift_seconds"] is not None]
    return {
        "talks_timed": len(ran),
        "max_seconds": max((t["drift_seconds"] for t in ran), default=None),
        "last_seconds": ran[-1]["drift_seconds"] if ran else None,
        "last_slot_id": ran[-1]["slot_id"] if ran else None,
    }


def _quarters(times: list[datetime], tz: str) -> list[dict[str, Any]]:
    counts: dict[datetime, int] = defaultdict(int)
    for t in times:
        local = schedule.to_local(t, tz)
        counts[local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)] += 1
    return [
        {"at": k.isoformat(timespec="seconds"), "hhmm": k.strftime("%H:%M"), "count": n}
        for k, n in sorted(counts.items())
    ]


def build(s: DbSession, now: datetime | None = None, room_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """The report (GET /api/v1/report); `room_ids` narrows papers and talks to a chair's rooms."""
    facts = Facts(s, now or utcnow())
    if facts.kept is not None:
        return _kept_report(facts, room_ids)
    return _live_report(facts, room_ids)


def _event(facts: Facts) -> dict[str, Any]:
    e = facts.event
    return {
        "name": e.name,
        "short_name": e.short_name,
        "date": e.date.isoformat(),
        "timezone": e.timezone,
        "host": e.host,
        "synthetic": e.synthetic,
    }


def _live_report(facts: Facts, room_ids: Iterable[str] | None) -> dict[str, Any]:
    by_paper: dict[str, list] = defaultdict(list)
    for v in facts.views:
        if v.paper_id:
            by_paper[v.paper_id].append(v)
    paper_facts = [
        record.PaperFacts(
            p.id,
            tuple(pid for pid, _ in facts.authors.get(p.id, [])),
            tuple(facts.slot_facts(v) for v in by_paper.get(p.id, [])),
            facts.excuses.get(p.id),
            facts.overrides.get(p.id),
        )
        for p in facts.papers
    ]
    records = record.decide_all(paper_facts, facts.arrivals, facts.timers, facts.now, facts.day_over)
    titles = {p.id: p.title for p in facts.papers}
    papers = [_paper_entry(facts, titles[r.paper_id], by_paper.get(r.paper_id, []), r) for r in records]
    talks = _talks(facts)
    rooms = tuple(room_ids or ())
    if rooms:
        papers = [p for p in papers if p["room_id"] in rooms]
        talks = [t for t in talks if t["room_id"] in rooms]
    return {
        "event": _event(facts),
        "generated_at": _iso(facts.now, facts.tz),
        "final": facts.day_over,
        "purged": False,
        "summary": record.summarize(record.Record(p["paper_id"], p["status"], None, (), (), "") for p in papers),
        "papers": papers,
        "talks": talks,
        "drift": _drift(talks),
        "withdrawn": [
            {"paper_id": pid, "title": title, "withdrawn_at": _iso(at, facts.tz)} for pid, title, at in facts.withdrawn
        ],
        "attendance": {
            "registered": facts.registered,
            "checked_in": len(facts.arrival_times),
            "checked_in_in_person": len(facts.arrivals),
            "by_quarter_hour": _quarters(facts.arrival_times, facts.tz),
        },
        "questions": _q_counts(facts, [v.id for v in facts.views if not rooms or v.room_id in rooms]),
    }


# What purge keeps of a paper's entry: no person-level attendance, no staff names.
PERSONAL_PAPER_FIELDS = ("authors_present", "timer_run_by", "excuse", "override")


def strip_people(report: dict[str, Any]) -> dict[str, Any]:
    """The report as kept after purge: each paper's status, slot, times, chair and counts; no one's arrival."""
    kept = {**report, "purged": True}
    papers = []
    for p in report["papers"]:
        entry = {k: v for k, v in p.items() if k not in PERSONAL_PAPER_FIELDS}
        entry["authors_present"] = []
        entry["authors_present_count"] = len(p["authors_present"])
        entry["note"] = p["note"] if not p.get("override") else f"Set by an organizer: {p['override']['reason']}"
        papers.append(entry)
    kept["papers"] = papers
    return kept


def _kept_report(facts: Facts, room_ids: Iterable[str] | None) -> dict[str, Any]:
    report = dict(facts.kept.data)
    papers = []
    for p in report.get("papers", []):
        o = facts.overrides.get(p["paper_id"])
        if o is not None and (o.at > facts.kept.created_at):  # set after purge: applies to the kept record
            p = {**p, "status": o.status, "note": f"Set by an organizer: {o.reason}"}
        papers.append(p)
    rooms = tuple(room_ids or ())
    report["papers"] = [p for p in papers if not rooms or p["room_id"] in rooms]
    report["talks"] = [t for t in report.get("talks", []) if not rooms or t["room_id"] in rooms]
    report["summary"] = record.summarize(
        record.Record(p["paper_id"], p["status"], None, (), (), "") for p in report["papers"]
    )
    report["purged_at"] = _iso(facts.kept.created_at, facts.tz)
    report["generated_at"] = _iso(facts.now, facts.tz)
    return report
