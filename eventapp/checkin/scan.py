"""The scan hot path: one scan at the door becomes a first check-in (201), a repeat (200), the first answer again
for a known nonce, or a refusal (4xx).

Every scan is one write transaction on a Core connection (BEGIN IMMEDIATE on SQLite, so racing scans queue) with
prebuilt statements; exactly-once comes from unique indexes (one active check-in per person, one scan per nonce).
Coverage is pushed after the commit (board.py). Tuned: measure with bench/checkin_bench.py before changing it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .. import metrics, ratelimit
from ..auth import Principal
from ..db import session_scope, utcnow, write_connection
from ..errors import ApiError
from ..program import schedule
from ..program.models import Event, Person
from . import codes
from .board import schedule_publish
from .lookups import cache, presentations, signing_secret
from .models import BadgeVersion, CheckIn, ScanLog
from .schemas import ScanBody

log = logging.getLogger(__name__)

REFUSED_LIMIT = "20/minute"  # refused codes per credential: stops guessing, never slows a real queue


@dataclass(frozen=True)
class ScanRequest:
    nonce: str
    code: str | None = None
    person_id: int | None = None  # manual check-in from the search (volunteers are trusted staff)
    device: str = ""
    scanned_at: datetime | None = None
    offline: bool = False
    method: str = "scan"


def scan_request(body: ScanBody, principal: Principal) -> ScanRequest:
    """The parsed body of POST /api/v1/checkins (checkin/schemas.py) as the scan to record."""
    code = None if body.person_id is not None else body.code
    device = (body.device or principal.device or principal.name).strip()[:80]
    method = "manual" if body.person_id is not None else "scan"
    return ScanRequest(body.nonce, code, body.person_id, device, body.scanned_time, body.offline is True, method)


REFUSALS = {
    "oversized": (413, "code_too_long", "This is far longer than a badge code: not one of our badges."),
    "malformed": (400, "code_malformed", "This is not a badge code of this event."),
    "forged": (403, "code_forged", "This code is not one we issued. Send the person to the desk."),
    "unknown": (404, "code_unknown", "This badge belongs to nobody registered here. Send the person to the desk."),
    "revoked": (410, "code_revoked", "This badge was replaced by a newer one. Send the person to the desk."),
    "person_unknown": (404, "person_unknown", "There is no such person."),
}


@dataclass
class ScanOutcome:
    status: int
    body: dict[str, Any]
    new_checkin: bool = False
    person_id: int | None = None


def record_scan(principal: Principal, req: ScanRequest) -> ScanOutcome:
    """One scan: a first check-in (201), a repeat (200), the first answer again for a known nonce, or a 4xx."""
    refusal: str | None = None
    badge: codes.BadgeId | None = None
    if req.code is not None:
        try:
            badge = codes.parse_code(signing_secret(), req.code)
        except codes.CodeError as err:
            refusal = err.kind
    for attempt in range(3):
        try:
            outcome = _record_once(principal, req, badge, refusal)
            break
        except IntegrityError:
            # PostgreSQL: a racing scan won the unique index. Retry: the next read sees the winner.
            if attempt == 2:
                raise ApiError(409, "busy", "Another scan of this badge is in progress. Scan again.") from None
    result = outcome.body.get("error") if outcome.status >= 400 else outcome.body.get("result")
    metrics.CHECKINS.labels(result=result or "unknown").inc()
    log.info(
        "scan",
        extra={
            "fields": {
                "result": result,
                "status": outcome.status,
                "device": req.device,
                "offline": req.offline,
                "person_id": outcome.person_id,
            }
        },
    )
    if outcome.status >= 400:
        err = outcome.body
        raise ApiError(outcome.status, err["error"], err["message"])
    if outcome.new_checkin and outcome.person_id is not None:
        schedule_publish([outcome.person_id])
    return outcome


def _refusal_body(kind: str) -> tuple[int, dict[str, Any]]:
    status, code, message = REFUSALS.get(kind, REFUSALS["malformed"])
    return status, {"error": code, "message": message}


# The scan path runs for every badge at a busy door: prebuilt Core statements, no ORM unit of work.
_PERSON_COLS = (Person.id, Person.name, Person.affiliation, Person.attendance, Person.is_organizer)
_CHECKIN_COLS = (CheckIn.id, CheckIn.scanned_at, CheckIn.device, CheckIn.offline, CheckIn.undone_at)
_Q_NONCE = select(ScanLog.result, ScanLog.status, ScanLog.error, ScanLog.person_id, ScanLog.checkin_id).where(
    ScanLog.nonce == bindparam("nonce")
)
_NONCE_SEEN = select(ScanLog.id).where(ScanLog.nonce == bindparam("nonce")).scalar_subquery().label("nonce_seen")
_Q_PERSON = (
    select(*_PERSON_COLS, BadgeVersion.version, *_CHECKIN_COLS, _NONCE_SEEN)
    .select_from(Person)
    .outerjoin(BadgeVersion, BadgeVersion.person_id == Person.id)
    .outerjoin(CheckIn, and_(CheckIn.person_id == Person.id, CheckIn.undone_at.is_(None)))
    .where(Person.id == bindparam("pid"))
)
_Q_REPLAY = (
    select(*_PERSON_COLS, *_CHECKIN_COLS)
    .select_from(CheckIn)
    .join(Person, Person.id == CheckIn.person_id)
    .where(CheckIn.id == bindparam("cid"))
)
_INSERT_CHECKIN = insert(CheckIn)
_INSERT_SCAN = insert(ScanLog)


def _record_once(
    principal: Principal, req: ScanRequest, badge: codes.BadgeId | None, refusal: str | None
) -> ScanOutcome:
    now = utcnow()
    # The phone's clock counts only for offline scans (when the server could not see them happen), and never
    # later than now: an online scan is timed by the server, whatever the phone's clock says.
    scanned_at = min(req.scanned_at, now) if req.offline and req.scanned_at else now
    scan_row = {
        "nonce": req.nonce,
        "created_at": now,
        "scanned_at": scanned_at,
        "device": req.device,
        "staff_id": principal.staff_id,
        "person_id": None,
        "checkin_id": None,
        "error": "",
        "raw": "",
        "method": req.method,
        "offline": req.offline,
    }
    person_id = req.person_id if req.person_id is not None else (badge.person_id if badge else None)
    with write_connection() as conn:
        row = None
        if refusal is None and person_id is not None:
            # One read: the person, their badge version, their active check-in, and whether the nonce is known.
            row = conn.execute(_Q_PERSON, {"pid": person_id, "nonce": req.nonce}).first()
        previous = None
        if row is None or row.nonce_seen is not None:
            previous = conn.execute(_Q_NONCE, {"nonce": req.nonce}).first()
        if previous is not None:
            # The same nonce again (a retry, or a replayed offline queue): the first answer, nothing recorded.
            if previous.result == "refused":
                return ScanOutcome(previous.status, {"error": previous.error, "message": _message_for(previous.error)})
            row = conn.execute(_Q_REPLAY, {"cid": previous.checkin_id}).first()
            person, checkin = row[:5], row[5:]
            result, status, new = previous.result, previous.status, False
        else:
            if refusal is None and person_id is not None:
                if row is None:
                    refusal = "person_unknown" if req.person_id is not None else "unknown"
                elif badge is not None and badge.version != (row.version or 1):
                    refusal = "revoked"  # an older code; a newer version than issued cannot exist (MAC)
            if refusal is not None:
                # Only refused scans count against the limit, so a real queue at the door is never slowed.
                ratelimit.hit(
                    REFUSED_LIMIT,
                    "checkin-refused",
                    str(principal.token_id or principal.staff_id),
                    message="Too many refused codes from this device. Wait a minute.",
                )
                status, body = _refusal_body(refusal)
                conn.execute(
                    _INSERT_SCAN,
                    {
                        **scan_row,
                        "person_id": row[0] if row else None,
                        "result": "refused",
                        "error": body["error"],
                        "raw": (req.code or str(req.person_id))[:80],
                        "status": status,
                    },
                )
                return ScanOutcome(status, body)
            person = row[:5]
            new = row[6] is None
            if new:
                inserted = conn.execute(
                    _INSERT_CHECKIN,
                    {
                        "person_id": person_id,
                        "created_at": now,
                        "scanned_at": scanned_at,
                        "device": req.device,
                        "staff_id": principal.staff_id,
                        "nonce": req.nonce,
                        "method": req.method,
                        "offline": req.offline,
                        "in_person": True,
                        "undone_at": None,
                        "undone_by": None,
                        "undo_reason": "",
                    },
                )
                checkin = (inserted.inserted_primary_key[0], scanned_at, req.device, req.offline, None)
            else:
                checkin = row[6:11]
            result, status = ("ok", 201) if new else ("already", 200)
            conn.execute(
                _INSERT_SCAN,
                {
                    **scan_row,
                    "person_id": person_id,
                    "checkin_id": checkin[0],
                    "result": result,
                    "status": status,
                },
            )
    # The answer is built after the commit, so the write lock is held only for the reads and writes above.
    body = _scan_body(result, person, checkin)
    if previous is not None:
        body["replayed"] = True
    return ScanOutcome(status, body, new_checkin=new, person_id=person[0])


def _message_for(code: str) -> str:
    for _status, c, message in REFUSALS.values():
        if c == code:
            return message
    return "This scan was refused."


PROGRAM_CACHE_SECONDS = 10.0


def _program_view() -> tuple[str, dict[int, list[dict[str, Any]]]]:
    """The event's zone and everyone's talks, re-read at most every few seconds: every scan answer shows
    them, and the program changes rarely on the day (an import shows in scan answers within
    PROGRAM_CACHE_SECONDS). Never call inside a session_scope (no nesting)."""
    at, tz, talks = cache().get("program", (0.0, "UTC", {}))
    if time.monotonic() - at > PROGRAM_CACHE_SECONDS:
        with session_scope() as s:
            tz = s.exec(select(Event.timezone)).first() or "UTC"
            talks = presentations(s, None, tz)
        cache()["program"] = (time.monotonic(), tz, talks)
    return tz, talks


def _scan_body(result: str, person: tuple, checkin: tuple) -> dict[str, Any]:
    """person: (id, name, affiliation, attendance, is_organizer); checkin: (id, scanned_at, device, offline,
    undone_at), as the scan path's Core rows give them."""
    tz, talks = _program_view()
    pid, name, affiliation, attendance, is_organizer = person
    cid, at, device, offline, undone_at = checkin
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return {
        "result": result,
        "person": {
            "id": pid,
            "name": name,
            "affiliation": affiliation,
            "attendance": attendance,
            "is_organizer": bool(is_organizer),
        },
        "papers": talks.get(pid, []),
        "checkin_id": cid,
        "checked_in_at": schedule.local_iso(at, tz),
        "checked_in_hhmm": schedule.local_hhmm(at, tz),
        "device": device,
        "offline": bool(offline),
        "undone": undone_at is not None,
    }
