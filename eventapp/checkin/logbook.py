"""The desk's logbook: an organizer act written to the audit log with its reason, and the scan log and the audit
log read back for the desk."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import select

from ..auth import Principal
from ..db import session_scope
from ..program import schedule
from ..program.models import Person
from .lookups import event_tz
from .models import CheckinAudit, ScanLog


def write_audit(s: DbSession, principal: Principal, action: str, subject: str, reason: str = "") -> None:
    s.add(
        CheckinAudit(action=action, subject=subject, reason=reason, staff_id=principal.staff_id, by_name=principal.name)
    )


def scan_log(limit: int = 200) -> list[dict[str, Any]]:
    with session_scope() as s:
        tz = event_tz(s)
        rows = s.exec(
            select(ScanLog, Person.name)
            .join(Person, Person.id == ScanLog.person_id, isouter=True)
            .order_by(ScanLog.id.desc())
            .limit(limit)
        ).all()
    return [
        {
            "id": log.id,
            "at": schedule.local_iso(log.created_at, tz),
            "scanned_at": schedule.local_iso(log.scanned_at, tz),
            "result": log.result,
            "error": log.error or None,
            "person_id": log.person_id,
            "name": name,
            "device": log.device,
            "offline": log.offline,
            "method": log.method,
            "raw": log.raw or None,
            "checkin_id": log.checkin_id,
        }
        for log, name in rows
    ]


def audit_log(limit: int = 200) -> list[dict[str, Any]]:
    with session_scope() as s:
        tz = event_tz(s)
        rows = list(s.exec(select(CheckinAudit).order_by(CheckinAudit.id.desc()).limit(limit)))
    return [
        {
            "at": schedule.local_iso(a.created_at, tz),
            "action": a.action,
            "subject": a.subject,
            "reason": a.reason,
            "by": a.by_name,
        }
        for a in rows
    ]
