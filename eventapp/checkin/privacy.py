"""After the event: check-ins keep when and who (for the coverage record), not which phone or what was typed."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session as DbSession

from .models import CheckIn, CheckinAudit, PaperExcuse, ScanLog


def purge(s: DbSession) -> dict[str, int]:
    scans = s.execute(update(ScanLog).values(raw="", device="")).rowcount
    s.execute(update(CheckIn).values(device=""))
    s.execute(update(CheckinAudit).values(by_name=""))
    s.execute(update(PaperExcuse).values(by_name=""))
    return {"scan log entries stripped of device and raw text": scans}
