"""After the event: the report is kept as it stood at purge, without people (see `build.strip_people`): each
paper's status, slot, planned and actual times, chair (a public program role), how many of its authors had
checked in and its question counts; the talks' timing; attendance as counts per quarter hour. Who checked in,
when, on which device and with which volunteer, and who ran the timer or set an override, go."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session as DbSession
from sqlmodel import select

from ..db import utcnow
from ..program.models import Event
from . import build
from .models import ReportKept, ReportLog, ReportOverride


def purge(s: DbSession) -> dict[str, int]:
    if s.get(ReportKept, 1) is None and s.exec(select(Event)).first() is not None:
        now = utcnow()
        report = build.build(s, now)
        s.add(ReportKept(id=1, created_at=now, data=build.strip_people(report)))
        s.flush()
        kept = len(report["papers"])
    else:
        kept = 0
    s.execute(update(ReportOverride).values(by_name=""))
    s.execute(update(ReportLog).values(by_name=""))
    s.add(ReportLog(action="purge", subject="report kept without people"))
    return {"papers kept in the report (statuses and times, no attendance)": kept}
