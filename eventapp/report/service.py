"""Report use cases: read it (organizer: all; chair: their rooms), override a paper's status, log every act."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session as DbSession

from ..auth import Principal, check_role
from ..db import read_scope, session_scope, utcnow
from ..errors import not_found
from ..program.models import Paper
from . import build
from .models import ReportLog, ReportOverride

log = logging.getLogger(__name__)


def _log(s: DbSession, action: str, subject: str, detail: str = "", principal: Principal | None = None) -> None:
    s.add(
        ReportLog(
            action=action,
            subject=subject[:200],
            detail=detail[:500],
            staff_id=principal.staff_id if principal else None,
            by_name=(principal.name if principal else "command line")[:200],
        )
    )
    fields = {"action": action, "subject": subject, "staff_id": principal.staff_id if principal else None}
    log.info("report %s", action, extra={"fields": fields})


def log_act(action: str, subject: str, detail: str = "", principal: Principal | None = None) -> None:
    with session_scope() as s:
        _log(s, action, subject, detail, principal)


def report(
    principal: Principal | None, form: str = "json", now: datetime | None = None, *, logged: bool = True
) -> dict[str, Any]:
    """The report for an organizer (everything), a chair (their rooms) or the command line (None: everything).
    Each one generated is logged (not the live page's refreshes: they would bury the log)."""
    rooms: tuple[str, ...] = ()
    if principal is not None:
        check_role(principal, "chair")
        if principal.role == "chair":
            rooms = principal.room_ids  # empty: a chair of all rooms
    with read_scope() as s:
        data = build.build(s, now, rooms)
    if logged:
        log_act("report", form, f"{len(data['papers'])} papers", principal)
    return data


def override(principal: Principal, paper_id: str, status: str | None, reason: str) -> dict[str, Any]:
    """Set (or, with status null, clear) an organizer's status for a paper, logged with the reason (the request
    was parsed by report.schemas.OverrideBody)."""
    check_role(principal, "organizer")
    with session_scope() as s:
        if s.get(Paper, paper_id) is None:
            raise not_found("paper", paper_id)
        row = s.get(ReportOverride, paper_id)
        before = row.status if row else ""
        if status is None:
            if row is not None:
                s.delete(row)
        else:
            row = row or ReportOverride(paper_id=paper_id, status=status, reason=reason)
            row.status, row.reason = status, reason
            row.staff_id, row.by_name, row.created_at = principal.staff_id, principal.name, utcnow()
            s.add(row)
        _log(s, "override", f"paper {paper_id}: {before or 'derived'} -> {status or 'derived'}", reason, principal)
    with read_scope() as s:
        data = build.build(s)
    entry = next((p for p in data["papers"] if p["paper_id"] == paper_id), None)
    if entry is None:  # a withdrawn paper: the override is kept, the record does not list it
        return {"paper_id": paper_id, "status": status, "note": "This paper is not in the record (withdrawn)."}
    return entry
