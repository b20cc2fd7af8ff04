"""What organizers do at the desk, each logged with its reason: undo a check-in, excuse a paper (or take the excuse
back), reissue a lost badge, register a walk-in. Each commits, then pushes coverage (board.py)."""

from __future__ import annotations

from typing import Any

from ..auth import Principal
from ..db import session_scope, utcnow
from ..errors import ApiError
from ..program.models import Paper, Person
from .badges import Badge, get_badge
from .board import publish_coverage_for_papers, publish_coverage_for_people
from .logbook import write_audit
from .models import BadgeVersion, CheckIn, PaperExcuse
from .scan import ScanRequest, record_scan
from .schemas import MAX_REASON, WalkinBody


def reissue_badge(principal: Principal, person_id: int, reason: str) -> Badge:
    """A new code for a lost or shared badge: the old one is refused as revoked from now on (logged)."""
    with session_scope() as s:
        if s.get(Person, person_id) is None:
            raise ApiError(404, "person_unknown", f"There is no person with id {person_id}.")
        row = s.get(BadgeVersion, person_id) or BadgeVersion(person_id=person_id, version=1)
        if row.version >= 255:
            raise ApiError(409, "too_many_reissues", "This badge has been reissued too often.")
        row.version += 1
        row.reissued_at = utcnow()
        s.add(row)
        write_audit(s, principal, "reissue", f"person {person_id}", reason)
    return get_badge(person_id)


def undo_checkin(principal: Principal, checkin_id: int, reason: str) -> dict[str, Any]:
    """An organizer takes back a check-in (wrong person scanned): kept, marked undone, logged with the reason."""
    with session_scope() as s:
        checkin = s.get(CheckIn, checkin_id)
        if checkin is None:
            raise ApiError(404, "checkin_unknown", f"There is no check-in with id {checkin_id}.")
        if checkin.undone_at is not None:
            raise ApiError(409, "already_undone", "This check-in was already undone.")
        checkin.undone_at, checkin.undone_by, checkin.undo_reason = utcnow(), principal.staff_id, reason
        s.add(checkin)
        write_audit(s, principal, "undo", f"checkin {checkin_id} (person {checkin.person_id})", reason)
        person_id = checkin.person_id
    publish_coverage_for_people([person_id])
    return {"checkin_id": checkin_id, "person_id": person_id, "undone": True, "reason": reason}


def set_excuse(principal: Principal, paper_id: str, reason: str) -> dict[str, Any]:
    with session_scope() as s:
        if s.get(Paper, paper_id) is None:
            raise ApiError(404, "paper_unknown", f"There is no paper with id {paper_id!r}.")
        row = s.get(PaperExcuse, paper_id) or PaperExcuse(paper_id=paper_id, reason=reason, by_name=principal.name)
        row.reason, row.by_name, row.staff_id, row.created_at = reason, principal.name, principal.staff_id, utcnow()
        s.add(row)
        write_audit(s, principal, "excuse", f"paper {paper_id}", reason)
    return publish_coverage_for_papers([paper_id])[0]


def clear_excuse(principal: Principal, paper_id: str, reason: str = "") -> dict[str, Any]:
    with session_scope() as s:
        row = s.get(PaperExcuse, paper_id)
        if row is None:
            raise ApiError(404, "not_excused", f"Paper {paper_id!r} has no excuse.")
        s.delete(row)
        write_audit(
            s,
            principal,
            "unexcuse",
            f"paper {paper_id}",
            reason[:MAX_REASON],
        )
    return publish_coverage_for_papers([paper_id])[0]


def add_walkin(principal: Principal, body: WalkinBody) -> dict[str, Any]:
    """Registration at the desk: a new person with a badge at once, checked in unless told otherwise."""
    name = body.name or ""  # WalkinBody checked it: 1 to 200 characters, trimmed
    affiliation = body.affiliation or ""
    attendance = body.attendance or "in_person"
    with session_scope() as s:
        person = Person(
            name=name.strip(), sort_name=name.strip(), affiliation=affiliation.strip(), attendance=attendance
        )
        s.add(person)
        s.flush()
        write_audit(s, principal, "walkin", f"person {person.id}", "")
        person_id = person.id
    result: dict[str, Any] = {"badge": get_badge(person_id).to_row()}
    if body.check_in:
        nonce = f"walkin-{person_id}-{int(utcnow().timestamp())}"
        outcome = record_scan(
            principal,
            ScanRequest(nonce=nonce, person_id=person_id, device=principal.device or principal.name, method="walkin"),
        )
        result["checkin"] = outcome.body
    return result
