"""Check-in transactions, then pushes: scans, undo, excuses, badges, walk-ins, coverage and exports.

Every write is one `session_scope` (BEGIN IMMEDIATE on SQLite, so racing scans queue); exactly-once comes from
unique indexes (one active check-in per person, one scan per nonce). Coverage is pushed after the commit.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, func, insert, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from .. import metrics, ratelimit
from ..auth import Principal
from ..db import session_scope, utcnow, write_connection
from ..errors import ApiError
from ..program import schedule
from ..program.models import ATTENDANCE, Authorship, Event, Paper, Person, Session, Slot
from ..realtime import publish, socketio
from . import codes, coverage
from .models import BadgeVersion, CheckIn, CheckinAudit, PaperExcuse, ScanLog
from .schemas import ScanBody

log = logging.getLogger(__name__)

COVERAGE_CHANNEL = "coverage"
ROOM_CHANNEL = "coverage-room"  # a chair limited to some rooms follows coverage-room:<room_id>
MAX_REASON = 500
REFUSED_LIMIT = "20/minute"  # refused codes per credential: stops guessing, never slows a real queue

# Other features follow coverage changes here (the chair console, ...): fn(changed entries) after each commit.
_listeners: list[Callable[[list[dict[str, Any]]], None]] = []


def on_coverage_change(listener: Callable[[list[dict[str, Any]]], None]) -> None:
    _listeners.append(listener)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _warning() -> timedelta:
    return timedelta(minutes=float(current_app.config.get("CHECKIN_WARNING_MINUTES", 30)))


def _hhmm(moment: datetime | None, tz: str) -> str | None:
    return None if moment is None else schedule.local_hhmm(moment, tz)


def _cache() -> dict[str, Any]:
    """Per-app memo of rarely changing reads (one app per process in production, one per test)."""
    return current_app.extensions.setdefault("checkin.cache", {})


def _event_tz(s: DbSession) -> str:
    """The event's zone, re-read at most every few seconds (every scan answer needs it)."""
    at, tz = _cache().get("tz", (0.0, "UTC"))
    if time.monotonic() - at > 5:
        tz = s.exec(select(Event.timezone)).first() or "UTC"
        _cache()["tz"] = (time.monotonic(), tz)
    return tz


# --- badges ---------------------------------------------------------------------------------------------


def badge_versions(s: DbSession, person_ids: Iterable[int] | None = None) -> dict[int, int]:
    query = select(BadgeVersion.person_id, BadgeVersion.version)
    if person_ids is not None:
        query = query.where(BadgeVersion.person_id.in_(list(person_ids)))
    return dict(s.exec(query).all())


def badge_code(person_id: int, version: int = 1) -> str:
    return codes.make_code(_secret(), person_id, version)


@dataclass(frozen=True)
class Badge:
    person_id: int
    name: str
    sort_name: str
    affiliation: str
    attendance: str
    roles: tuple[str, ...]
    papers: tuple[tuple[str, str], ...]  # (paper id, title)
    code: str
    short_code: str
    version: int

    def to_row(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id, "name": self.name, "sort_name": self.sort_name,
            "affiliation": self.affiliation, "attendance": self.attendance, "roles": " ".join(self.roles),
            "papers": " ".join(p for p, _ in self.papers), "code": self.code, "short_code": self.short_code,
            "version": self.version,
        }  # fmt: skip


def badges(person_ids: list[int] | None = None) -> list[Badge]:
    """Every person's badge (remote people too: they may still come), sorted as a desk list is."""
    with session_scope() as s:
        query = select(Person).order_by(Person.sort_name, Person.name, Person.id)
        if person_ids is not None:
            query = query.where(Person.id.in_(person_ids))
        people = list(s.exec(query))
        versions = badge_versions(s)
        papers = s.exec(
            select(Authorship.person_id, Paper.id, Paper.title)
            .join(Paper, Paper.id == Authorship.paper_id)
            .order_by(Paper.id)
        ).all()
        speakers = set(s.exec(select(Slot.presenter_person_id).where(Slot.kind == "keynote")).all())
        chairs = set(s.exec(select(Session.chair_person_id)).all())
    by_person: dict[int, list[tuple[str, str]]] = {}
    for pid, paper_id, title in papers:
        by_person.setdefault(pid, []).append((paper_id, title))
    secret = _secret()
    result = []
    for p in people:
        version = versions.get(p.id, 1)
        roles = tuple(
            r for r, yes in (
                ("organizer", p.is_organizer), ("keynote speaker", p.id in speakers), ("chair", p.id in chairs),
                ("author", p.id in by_person),
            ) if yes
        ) or ("participant",)  # fmt: skip
        result.append(
            Badge(
                p.id,
                p.name,
                p.sort_name or p.name,
                p.affiliation,
                p.attendance,
                roles,
                tuple(by_person.get(p.id, [])),
                codes.make_code(secret, p.id, version),
                codes.short_code(secret, p.id, version),
                version,
            )  # fmt: skip
        )
    return result


def get_badge(person_id: int) -> Badge:
    found = badges([person_id])
    if not found:
        raise ApiError(404, "person_unknown", f"There is no person with id {person_id}.")
    return found[0]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A spreadsheet must not run a name typed at the desk as a formula (CSV injection)."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _cells(values: list[Any]) -> list[Any]:
    return [_cell(v) for v in values]


def badges_csv() -> str:
    buf = io.StringIO()
    fields = ["person_id", "name", "sort_name", "affiliation", "attendance", "roles", "papers", "code",
              "short_code", "version"]  # fmt: skip
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    for badge in badges():
        writer.writerow({k: _cell(v) for k, v in badge.to_row().items()})
    return buf.getvalue()


def reissue_badge(principal: Principal, person_id: int, reason: str) -> Badge:
    """A new code for a lost or shared badge: the old one is refused as revoked from now on (logged)."""
    reason = _reason(reason)
    with session_scope() as s:
        if s.get(Person, person_id) is None:
            raise ApiError(404, "person_unknown", f"There is no person with id {person_id}.")
        row = s.get(BadgeVersion, person_id) or BadgeVersion(person_id=person_id, version=1)
        if row.version >= 255:
            raise ApiError(409, "too_many_reissues", "This badge has been reissued too often.")
        row.version += 1
        row.reissued_at = utcnow()
        s.add(row)
        _audit(s, principal, "reissue", f"person {person_id}", reason)
    return get_badge(person_id)


# --- scanning -------------------------------------------------------------------------------------------


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
    return ScanRequest(body.nonce, code, body.person_id, device, _parse_time(body.scanned_at), body.offline is True,
                       method)  # fmt: skip


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value / 1000.0, UTC)
        elif isinstance(value, str) and len(value) <= 40:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError("no offset")
        else:
            raise ValueError("not a time")
    except (ValueError, OverflowError, OSError) as exc:
        raise ApiError(
            400, "invalid_scanned_at", "scanned_at must be ISO 8601 with an offset or milliseconds since 1970."
        ) from exc
    return moment.astimezone(UTC)


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
            badge = codes.parse_code(_secret(), req.code)
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
    log.info("scan", extra={"fields": {"result": result, "status": outcome.status, "device": req.device,
                                       "offline": req.offline, "person_id": outcome.person_id}})  # fmt: skip
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
    log = {
        "nonce": req.nonce, "created_at": now, "scanned_at": scanned_at, "device": req.device,
        "staff_id": principal.staff_id, "person_id": None, "checkin_id": None, "error": "", "raw": "",
        "method": req.method, "offline": req.offline,
    }  # fmt: skip
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
                ratelimit.hit(REFUSED_LIMIT, "checkin-refused", str(principal.token_id or principal.staff_id),
                              message="Too many refused codes from this device. Wait a minute.")  # fmt: skip
                status, body = _refusal_body(refusal)
                conn.execute(_INSERT_SCAN, {
                    **log, "person_id": row[0] if row else None, "result": "refused", "error": body["error"],
                    "raw": (req.code or str(req.person_id))[:80], "status": status,
                })  # fmt: skip
                return ScanOutcome(status, body)
            person = row[:5]
            new = row[6] is None
            if new:
                inserted = conn.execute(_INSERT_CHECKIN, {
                    "person_id": person_id, "created_at": now, "scanned_at": scanned_at, "device": req.device,
                    "staff_id": principal.staff_id, "nonce": req.nonce, "method": req.method, "offline": req.offline,
                    "in_person": True, "undone_at": None, "undone_by": None, "undo_reason": "",
                })  # fmt: skip
                checkin = (inserted.inserted_primary_key[0], scanned_at, req.device, req.offline, None)
            else:
                checkin = row[6:11]
            result, status = ("ok", 201) if new else ("already", 200)
            conn.execute(_INSERT_SCAN, {
                **log, "person_id": person_id, "checkin_id": checkin[0], "result": result, "status": status,
            })  # fmt: skip
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
    at, tz, talks = _cache().get("program", (0.0, "UTC", {}))
    if time.monotonic() - at > PROGRAM_CACHE_SECONDS:
        with session_scope() as s:
            tz = s.exec(select(Event.timezone)).first() or "UTC"
            talks = _presentations(s, None, tz)
        _cache()["program"] = (time.monotonic(), tz, talks)
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
            "id": pid, "name": name, "affiliation": affiliation, "attendance": attendance,
            "is_organizer": bool(is_organizer),
        },
        "papers": talks.get(pid, []),
        "checkin_id": cid,
        "checked_in_at": schedule.local_iso(at, tz),
        "checked_in_hhmm": schedule.local_hhmm(at, tz),
        "device": device,
        "offline": bool(offline),
        "undone": undone_at is not None,
    }  # fmt: skip


def _presentations(s: DbSession, person_ids: list[int] | None, tz: str) -> dict[int, list[dict[str, Any]]]:
    """What each person (or everyone: None) presents or authors: papers with their talk's time, and keynotes."""
    out: dict[int, list[dict[str, Any]]] = {}
    query = (
        select(
            Authorship.person_id, Paper.id, Paper.title, Slot.id, Slot.starts_at, Slot.mode, Slot.presenter_person_id
        )
        .join(Paper, Paper.id == Authorship.paper_id)
        .join(Slot, Slot.paper_id == Paper.id, isouter=True)
        .order_by(Slot.starts_at, Paper.id)
    )
    if person_ids is not None:
        query = query.where(Authorship.person_id.in_(person_ids))
    rows = s.exec(query).all()
    seen: set[tuple[int, str]] = set()
    for pid, paper_id, title, slot_id, starts_at, mode, presenter in rows:
        if (pid, paper_id) in seen:
            continue
        seen.add((pid, paper_id))
        out.setdefault(pid, []).append({
            "paper_id": paper_id, "title": title, "slot_id": slot_id, "kind": "paper",
            "starts_at": schedule.local_iso(starts_at, tz), "hhmm": _hhmm(starts_at, tz),
            "mode": mode, "presenter": presenter == pid,
        })  # fmt: skip
    kq = select(Slot.presenter_person_id, Slot.id, Slot.title, Slot.starts_at, Slot.mode).where(
        Slot.presenter_person_id.is_not(None), Slot.paper_id.is_(None), Slot.kind == "keynote"
    )
    if person_ids is not None:
        kq = kq.where(Slot.presenter_person_id.in_(person_ids))
    keynotes = s.exec(kq).all()
    for pid, slot_id, title, starts_at, mode in keynotes:
        out.setdefault(pid, []).append({
            "paper_id": None, "title": title, "slot_id": slot_id, "kind": "keynote",
            "starts_at": schedule.local_iso(starts_at, tz), "hhmm": schedule.local_hhmm(starts_at, tz),
            "mode": mode, "presenter": True,
        })  # fmt: skip
    return out


# --- organizer acts -------------------------------------------------------------------------------------


def _reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ApiError(400, "reason_required", "Say why, in a few words: it goes into the log.")
    if len(reason) > MAX_REASON:
        raise ApiError(400, "reason_too_long", f"Keep the reason under {MAX_REASON} characters.")
    return reason.strip()


def _audit(s: DbSession, principal: Principal, action: str, subject: str, reason: str = "") -> None:
    s.add(CheckinAudit(action=action, subject=subject, reason=reason, staff_id=principal.staff_id,
                       by_name=principal.name))  # fmt: skip


def undo_checkin(principal: Principal, checkin_id: int, reason: Any) -> dict[str, Any]:
    """An organizer takes back a check-in (wrong person scanned): kept, marked undone, logged with the reason."""
    reason = _reason(reason)
    with session_scope() as s:
        checkin = s.get(CheckIn, checkin_id)
        if checkin is None:
            raise ApiError(404, "checkin_unknown", f"There is no check-in with id {checkin_id}.")
        if checkin.undone_at is not None:
            raise ApiError(409, "already_undone", "This check-in was already undone.")
        checkin.undone_at, checkin.undone_by, checkin.undo_reason = utcnow(), principal.staff_id, reason
        s.add(checkin)
        _audit(s, principal, "undo", f"checkin {checkin_id} (person {checkin.person_id})", reason)
        person_id = checkin.person_id
    publish_coverage_for_people([person_id])
    return {"checkin_id": checkin_id, "person_id": person_id, "undone": True, "reason": reason}


def set_excuse(principal: Principal, paper_id: str, reason: Any) -> dict[str, Any]:
    reason = _reason(reason)
    with session_scope() as s:
        if s.get(Paper, paper_id) is None:
            raise ApiError(404, "paper_unknown", f"There is no paper with id {paper_id!r}.")
        row = s.get(PaperExcuse, paper_id) or PaperExcuse(paper_id=paper_id, reason=reason, by_name=principal.name)
        row.reason, row.by_name, row.staff_id, row.created_at = reason, principal.name, principal.staff_id, utcnow()
        s.add(row)
        _audit(s, principal, "excuse", f"paper {paper_id}", reason)
    return publish_coverage_for_papers([paper_id])[0]


def clear_excuse(principal: Principal, paper_id: str, reason: Any = "") -> dict[str, Any]:
    with session_scope() as s:
        row = s.get(PaperExcuse, paper_id)
        if row is None:
            raise ApiError(404, "not_excused", f"Paper {paper_id!r} has no excuse.")
        s.delete(row)
        _audit(
            s,
            principal,
            "unexcuse",
            f"paper {paper_id}",
            reason.strip()[:MAX_REASON] if isinstance(reason, str) else "",
        )
    return publish_coverage_for_papers([paper_id])[0]


def add_walkin(principal: Principal, body: Any) -> dict[str, Any]:
    """Registration at the desk: a new person with a badge at once, checked in unless told otherwise."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send a JSON object with at least a name.")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise ApiError(400, "invalid_name", "A name needs 1 to 200 characters.")
    affiliation = body.get("affiliation") or ""
    if not isinstance(affiliation, str) or len(affiliation) > 300:
        raise ApiError(400, "invalid_affiliation", "The affiliation is text of at most 300 characters.")
    attendance = body.get("attendance") or "in_person"
    if attendance not in ATTENDANCE:
        raise ApiError(400, "invalid_attendance", f"attendance is one of {', '.join(ATTENDANCE)}.")
    with session_scope() as s:
        person = Person(name=name.strip(), sort_name=name.strip(), affiliation=affiliation.strip(),
                        attendance=attendance)  # fmt: skip
        s.add(person)
        s.flush()
        _audit(s, principal, "walkin", f"person {person.id}", "")
        person_id = person.id
    result: dict[str, Any] = {"badge": get_badge(person_id).to_row()}
    if body.get("check_in", True) is not False:
        nonce = f"walkin-{person_id}-{int(utcnow().timestamp())}"
        outcome = record_scan(
            principal,
            ScanRequest(nonce=nonce, person_id=person_id, device=principal.device or principal.name, method="walkin"),
        )
        result["checkin"] = outcome.body
    return result


# --- coverage -------------------------------------------------------------------------------------------


def _load_papers(s: DbSession, paper_ids: list[str] | None = None) -> list[coverage.PaperSlot]:
    pq = select(Paper.id, Paper.title).order_by(Paper.id)  # two columns, not ORM objects: a push runs this often
    if paper_ids is not None:
        pq = pq.where(Paper.id.in_(paper_ids))
    papers = s.exec(pq).all()
    ids = [p.id for p in papers]
    authors: dict[str, list[coverage.Author]] = {}
    for paper_id, pid, name, attendance in s.exec(
        select(Authorship.paper_id, Person.id, Person.name, Person.attendance)
        .join(Person, Person.id == Authorship.person_id)
        .where(Authorship.paper_id.in_(ids))
        .order_by(Authorship.paper_id, Authorship.position)
    ).all():
        authors.setdefault(paper_id, []).append(coverage.Author(pid, name, attendance))
    slots: dict[str, tuple] = {}
    for paper_id, slot_id, starts_at, mode, session_id, title, room_id in s.exec(
        select(Slot.paper_id, Slot.id, Slot.starts_at, Slot.mode, Session.id, Session.title, Session.room_id)
        .join(Session, Session.id == Slot.session_id)
        .where(Slot.paper_id.in_(ids))
        .order_by(Slot.starts_at)
    ).all():
        slots.setdefault(paper_id, (slot_id, starts_at, mode, session_id, title, room_id))
    out = []
    for p in papers:
        slot_id, starts_at, mode, session_id, session_title, room_id = slots.get(p.id, (None,) * 6)
        out.append(coverage.PaperSlot(
            p.id, p.title, tuple(authors.get(p.id, ())), starts_at, slot_id, session_id, session_title or "",
            room_id, mode or "in_person",
        ))  # fmt: skip
    return out


def _present_ids(s: DbSession, person_ids: Iterable[int] | None = None) -> set[int]:
    query = select(CheckIn.person_id).where(CheckIn.undone_at.is_(None), CheckIn.in_person.is_(True))
    if person_ids is not None:
        query = query.where(CheckIn.person_id.in_(list(person_ids)))
    return set(s.exec(query).all())


def _excuses(s: DbSession) -> dict[str, coverage.Excuse]:
    return {e.paper_id: coverage.Excuse(e.reason, e.by_name, e.created_at) for e in s.exec(select(PaperExcuse))}


def _entry(r: coverage.PaperStatus, tz: str) -> dict[str, Any]:
    p = r.paper
    return {
        "paper_id": p.paper_id, "title": p.title, "status": r.status,
        "present_authors": [{"person_id": a.person_id, "name": a.name} for a in r.present],
        "missing_authors": [{"person_id": a.person_id, "name": a.name, "attendance": a.attendance} for a in r.missing],
        "authors_expected": sum(a.attendance == "in_person" for a in p.authors),
        "slot_id": p.slot_id, "session_id": p.session_id, "session_title": p.session_title, "room_id": p.room_id,
        "starts_at": schedule.local_iso(p.starts_at, tz), "hhmm": _hhmm(p.starts_at, tz),
        "minutes_to_start": r.minutes_to_start, "mode": p.mode,
        "excuse": None if r.excuse is None else {
            "reason": r.excuse.reason, "by": r.excuse.by, "at": schedule.local_iso(r.excuse.at, tz),
        },
    }  # fmt: skip


def _in_scope(room_ids: Iterable[str] | None, room_id: str | None) -> bool:
    rooms = tuple(room_ids or ())
    return not rooms or room_id in rooms


def _evaluate_all(s: DbSession, now: datetime) -> list[coverage.PaperStatus]:
    papers = _load_papers(s)
    authors = {a.person_id for p in papers for a in p.authors}  # only authors matter: a short IN list
    return coverage.evaluate(papers, _present_ids(s, authors), now, _excuses(s), _warning())


def coverage_payload(room_ids: Iterable[str] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """GET /api/v1/coverage and the channel's snapshot; `room_ids` narrows it to a chair's rooms."""
    now = now or utcnow()
    with session_scope() as s:
        tz = _event_tz(s)
        statuses = [r for r in _evaluate_all(s, now) if _in_scope(room_ids, r.paper.room_id)]
        arrivals = s.exec(
            select(CheckIn.scanned_at).where(CheckIn.undone_at.is_(None)).order_by(CheckIn.scanned_at)
        ).all()
    return {
        "papers": [_entry(r, tz) for r in statuses],
        "summary": _summary(statuses, len(arrivals), now, tz),
        "sessions": [
            {
                "session_id": x.session_id, "title": x.title, "room_id": x.room_id,
                "starts_at": schedule.local_iso(x.starts_at, tz),
                "hhmm": schedule.local_hhmm(x.starts_at, tz) if x.starts_at else None,
                "papers": x.papers, "ready": x.ready, "covered": x.covered, "minutes_to_start": x.minutes_to_start,
            }
            for x in coverage.readiness(statuses, now)
        ],
        "arrivals": _arrivals(arrivals, tz),
    }  # fmt: skip


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


def paper_presence(paper_ids: list[str]) -> dict[str, dict[str, Any]]:
    """For the chair console: each paper's status and who of its authors is here."""
    now = utcnow()
    with session_scope() as s:
        papers = _load_papers(s, list(paper_ids))
        authors = {a.person_id for p in papers for a in p.authors}
        present = _present_ids(s, authors)
        statuses = coverage.evaluate(papers, present, now, _excuses(s), _warning())
    return {
        r.paper.paper_id: {
            "status": r.status,
            "present_authors": [{"person_id": a.person_id, "name": a.name} for a in r.present],
        }
        for r in statuses
    }


_pending_people: set[int] = set()
_pending_lock = threading.Lock()
_flush_scheduled = False


def schedule_publish(person_ids: list[int]) -> None:
    """Push coverage after a check-in, coalesced: at a busy door many scans share one push (boards still
    hear within CHECKIN_PUSH_DELAY seconds). With a delay of 0 (tests), push at once."""
    global _flush_scheduled
    app = current_app._get_current_object()
    delay = float(app.config.get("CHECKIN_PUSH_DELAY", 0 if app.config.get("TESTING") else 0.25))
    if delay <= 0:
        publish_coverage_for_people(person_ids)
        return
    with _pending_lock:
        _pending_people.update(person_ids)
        if _flush_scheduled:
            return
        _flush_scheduled = True
    socketio.start_background_task(_flush_later, app, delay)


def _flush_later(app, delay: float) -> None:
    global _flush_scheduled
    socketio.sleep(delay)
    with _pending_lock:
        people = list(_pending_people)
        _pending_people.clear()
        _flush_scheduled = False
    with app.app_context():
        try:
            publish_coverage_for_people(people)
        except Exception:  # a failed push must not kill the worker; the next scan or refresh catches up
            app.logger.exception("coverage push failed")


def publish_coverage_for_people(person_ids: list[int]) -> list[dict[str, Any]]:
    return publish_coverage_for_papers([], always=True, person_ids=person_ids)


def publish_coverage_for_papers(
    paper_ids: list[str], always: bool = False, person_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """After a commit: push the changed papers (and the new counters) to every board, then tell listeners.
    `person_ids`: the papers these people author changed too (read in the same transaction)."""
    now = utcnow()
    with session_scope() as s:
        if person_ids:
            paper_ids = [*paper_ids, *s.exec(select(Authorship.paper_id).where(Authorship.person_id.in_(person_ids)))]
        tz = _event_tz(s)
        statuses = _evaluate_all(s, now)
        checked_in = s.exec(select(func.count()).select_from(CheckIn).where(CheckIn.undone_at.is_(None))).one()
    wanted = set(paper_ids)
    changed = [r for r in statuses if r.paper.paper_id in wanted]
    entries = [_entry(r, tz) for r in changed]
    if entries or always:
        publish(COVERAGE_CHANNEL, "coverage", {"papers": entries, "summary": _summary(statuses, checked_in, now, tz)})
        for room in {r.paper.room_id for r in changed if r.paper.room_id}:
            mine = [r for r in statuses if r.paper.room_id == room]
            publish(f"{ROOM_CHANNEL}:{room}", "coverage", {
                "papers": [e for e in entries if e["room_id"] == room], "summary": _summary(mine, checked_in, now, tz),
            })  # fmt: skip
    for listener in _listeners:
        try:
            listener(entries)
        except Exception:  # a follower's bug must never undo or fail a check-in
            current_app.logger.exception("coverage listener failed")
    return entries


# --- roster, search, logs, exports ----------------------------------------------------------------------


def roster() -> dict[str, Any]:
    """What a scanner keeps for offline use: hashes of codes (never the codes), names and presentations."""
    items = badges()
    with session_scope() as s:
        tz = _event_tz(s)
        talks = _presentations(s, [b.person_id for b in items], tz)
        present = _present_ids(s)
    return {
        "generated_at": schedule.local_iso(utcnow(), tz),
        "people": [
            {
                "h": codes.roster_hash(b.code), "person_id": b.person_id, "name": b.name,
                "affiliation": b.affiliation, "papers": talks.get(b.person_id, []),
                "checked_in": b.person_id in present,
            }
            for b in items
        ],
    }  # fmt: skip


def search(query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Manual search at the door: by name, paper id or title, or the short code printed on the badge."""
    q = (query or "").strip()
    if not q:
        return []
    if len(q) > 100:
        raise ApiError(400, "query_too_long", "Search with at most 100 characters.")
    secret = _secret()
    with session_scope() as s:
        like = f"%{q.lower()}%"
        by_name = set(s.exec(select(Person.id).where(or_(func.lower(Person.name).like(like),
                                                         func.lower(Person.sort_name).like(like)))).all())  # fmt: skip
        by_paper = set(s.exec(
            select(Authorship.person_id).join(Paper, Paper.id == Authorship.paper_id)
            .where(or_(func.lower(Paper.id) == q.lower(), func.lower(Paper.title).like(like)))
        ).all())  # fmt: skip
        ids = by_name | by_paper
        if len(q) == codes.SHORT_LENGTH:
            versions = badge_versions(s)
            for pid in s.exec(select(Person.id)).all():
                if codes.short_code(secret, pid, versions.get(pid, 1)) == q.upper():
                    ids.add(pid)
        ids = sorted(ids)[: limit * 3]
        people = {p.id: p for p in s.exec(select(Person).where(Person.id.in_(ids)))}
        tz = _event_tz(s)
        talks = _presentations(s, ids, tz)
        active = {c.person_id: c for c in s.exec(select(CheckIn).where(CheckIn.person_id.in_(ids),
                                                                       CheckIn.undone_at.is_(None)))}  # fmt: skip
    out = []
    for pid in ids:
        p = people.get(pid)
        if p is None:
            continue
        c = active.get(pid)
        out.append({
            "person_id": pid, "name": p.name, "affiliation": p.affiliation, "attendance": p.attendance,
            "papers": talks.get(pid, []),
            "checked_in_hhmm": schedule.local_hhmm(c.scanned_at, tz) if c else None,
            "checkin_id": c.id if c else None,
        })  # fmt: skip
    out.sort(key=lambda x: (x["name"].lower(), x["person_id"]))
    return out[:limit]


def scan_log(limit: int = 200) -> list[dict[str, Any]]:
    with session_scope() as s:
        tz = _event_tz(s)
        rows = s.exec(
            select(ScanLog, Person.name).join(Person, Person.id == ScanLog.person_id, isouter=True)
            .order_by(ScanLog.id.desc()).limit(limit)
        ).all()  # fmt: skip
    return [
        {
            "id": log.id, "at": schedule.local_iso(log.created_at, tz),
            "scanned_at": schedule.local_iso(log.scanned_at, tz),
            "result": log.result, "error": log.error or None, "person_id": log.person_id, "name": name,
            "device": log.device, "offline": log.offline, "method": log.method, "raw": log.raw or None,
            "checkin_id": log.checkin_id,
        }
        for log, name in rows
    ]  # fmt: skip


def audit_log(limit: int = 200) -> list[dict[str, Any]]:
    with session_scope() as s:
        tz = _event_tz(s)
        rows = list(s.exec(select(CheckinAudit).order_by(CheckinAudit.id.desc()).limit(limit)))
    return [{"at": schedule.local_iso(a.created_at, tz), "action": a.action, "subject": a.subject,
             "reason": a.reason, "by": a.by_name} for a in rows]  # fmt: skip


def attendance_csv() -> str:
    """One row per person: checked in or not, when (scan and server time), where, how; undone ones too."""
    with session_scope() as s:
        tz = _event_tz(s)
        people = list(s.exec(select(Person).order_by(Person.sort_name, Person.id)))
        checkins: dict[int, list[CheckIn]] = {}
        for c in s.exec(select(CheckIn).order_by(CheckIn.id)):
            checkins.setdefault(c.person_id, []).append(c)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["person_id", "name", "affiliation", "attendance", "checked_in", "scanned_at", "recorded_at",
                "device", "method", "offline", "undone_at", "undo_reason"])  # fmt: skip
    for p in people:
        rows = checkins.get(p.id) or [None]
        for c in rows:
            w.writerow(_cells([
                p.id, p.name, p.affiliation, p.attendance,
                "yes" if c is not None and c.undone_at is None else "no",
                schedule.local_iso(c.scanned_at, tz) if c else "", schedule.local_iso(c.created_at, tz) if c else "",
                c.device if c else "", c.method if c else "", ("yes" if c.offline else "no") if c else "",
                schedule.local_iso(c.undone_at, tz) if c and c.undone_at else "", c.undo_reason if c else "",
            ]))  # fmt: skip
    return buf.getvalue()


def coverage_csv() -> str:
    payload = coverage_payload()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["paper_id", "title", "status", "present_authors", "missing_authors", "session", "starts_at",
                "excuse", "excused_by"])  # fmt: skip
    for e in payload["papers"]:
        w.writerow([
            e["paper_id"], e["title"], e["status"], "; ".join(a["name"] for a in e["present_authors"]),
            "; ".join(a["name"] for a in e["missing_authors"]), e["session_title"], e["starts_at"] or "",
            e["excuse"]["reason"] if e["excuse"] else "", e["excuse"]["by"] if e["excuse"] else "",
        ])  # fmt: skip
    return buf.getvalue()
