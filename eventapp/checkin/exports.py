"""The organizers' CSV files: badges, attendance (one row per person and check-in) and coverage."""

from __future__ import annotations

import csv
import io

from sqlmodel import select

from ..csvexport import safe_dict, safe_row
from ..db import session_scope
from ..program import schedule
from ..program.models import Person
from .badges import badges
from .board import coverage_payload
from .lookups import event_tz
from .models import CheckIn


def badges_csv() -> str:
    buf = io.StringIO()
    fields = [
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
    ]
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    for badge in badges():
        writer.writerow(safe_dict(badge.to_row()))
    return buf.getvalue()


def attendance_csv() -> str:
    """One row per person: checked in or not, when (scan and server time), where, how; undone ones too."""
    with session_scope() as s:
        tz = event_tz(s)
        people = list(s.exec(select(Person).order_by(Person.sort_name, Person.id)))
        checkins: dict[int, list[CheckIn]] = {}
        for c in s.exec(select(CheckIn).order_by(CheckIn.id)):
            checkins.setdefault(c.person_id, []).append(c)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
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
        ]
    )
    for p in people:
        rows = checkins.get(p.id) or [None]
        for c in rows:
            w.writerow(
                safe_row(
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
                )
            )
    return buf.getvalue()


def coverage_csv() -> str:
    payload = coverage_payload()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "paper_id",
            "title",
            "status",
            "present_authors",
            "missing_authors",
            "session",
            "starts_at",
            "excuse",
            "excused_by",
        ]
    )
    for e in payload["papers"]:
        w.writerow(
            safe_row(
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
            )
        )
    return buf.getvalue()
