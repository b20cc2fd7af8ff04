"""The organizers' CSV files: badges, attendance (one row per person and check-in) and coverage."""

from __future__ import annotations

from sqlmodel import select

from ..csvexport import csv_text
from ..db import session_scope
from ..program import schedule
from ..program.models import Person
from .badges import badges
from .board import coverage_payload
from .lookups import event_tz
from .models import CheckIn

BADGE_COLUMNS = (
    "person_id",
    "name",
    "sort_name",
    "affiliation",
    "attendance",
    "roles",
    "papers",
    "code",
    "short_code",
    "version",
)
ATTENDANCE_COLUMNS = (
    "person_id",
    "name",
    "affiliation",
    "attendance",
    "checked_in",
    "scanned_at",
    "recorded_at",
    "device",
    "method",
    "offline",
    "undone_at",
    "undo_reason",
)
COVERAGE_COLUMNS = (
    "paper_id",
    "title",
    "status",
    "present_authors",
    "missing_authors",
    "session",
    "starts_at",
    "excuse",
    "excused_by",
)


def badges_csv() -> str:
    return csv_text(BADGE_COLUMNS, (badge.to_row() for badge in badges()))


def attendance_csv() -> str:
    """One row per person: checked in or not, when (scan and server time), where, how; undone ones too."""
    with session_scope() as s:
        tz = event_tz(s)
        people = list(s.exec(select(Person).order_by(Person.sort_name, Person.id)))
        checkins: dict[int, list[CheckIn]] = {}
        for c in s.exec(select(CheckIn).order_by(CheckIn.id)):
            checkins.setdefault(c.person_id, []).append(c)
    rows = [
        [
            p.id,
            p.name,
            p.affiliation,
            p.attendance,
            "yes" if c is not None and c.undone_at is None else "no",
            schedule.local_iso(c.scanned_at, tz) if c else "",
            schedule.local_iso(c.created_at, tz) if c else "",
            c.device if c else "",
            c.method if c else "",
            ("yes" if c.offline else "no") if c else "",
            schedule.local_iso(c.undone_at, tz) if c and c.undone_at else "",
            c.undo_reason if c else "",
        ]
        for p in people
        for c in checkins.get(p.id) or [None]
    ]
    return csv_text(ATTENDANCE_COLUMNS, rows)


def coverage_csv() -> str:
    rows = [
        [
            e["paper_id"],
            e["title"],
            e["status"],
            "; ".join(a["name"] for a in e["present_authors"]),
            "; ".join(a["name"] for a in e["missing_authors"]),
            e["session_title"],
            e["starts_at"] or "",
            e["excuse"]["reason"] if e["excuse"] else "",
            e["excuse"]["by"] if e["excuse"] else "",
        ]
        for e in coverage_payload()["papers"]
    ]
    return csv_text(COVERAGE_COLUMNS, rows)
