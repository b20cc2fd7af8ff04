"""Program reads and writes: the program payload, imports applied in one transaction, and the live push."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session as DbSession
from sqlmodel import select

from .. import signals
from ..db import session_scope, utcnow
from ..errors import ApiError, not_found
from ..realtime import publish
from . import schedule
from .importing.records import PaperRecord, PersonRef, ProgramRecord
from .models import Authorship, Event, Paper, Person, ProgramNote, Room, Slot, WithdrawnPaper
from .models import Session as ProgramSession

PROGRAM_CHANNEL = "program"


# --- reads ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotView:
    """A slot with its end and the names a page shows; satisfies schedule.Timed."""

    id: str
    session_id: str
    room_id: str
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    talk_seconds: int
    qa_seconds: int
    paper_id: str | None
    presenter_person_id: int | None
    presenter: str
    mode: str
    fixed_start: bool
    note: str


def get_event(s: DbSession) -> Event:
    event = s.exec(select(Event)).first()
    if event is None:
        raise not_found("event", "(none loaded: run `eventapp demo` or `eventapp import program FILE`)")
    return event


def load_event() -> Event | None:
    with session_scope() as s:
        return s.exec(select(Event)).first()


def room_or_404(room_id: str, s: DbSession | None = None) -> Room:
    """THE room of a URL or a command, or a 404: in the caller's transaction `s` (the timer's command path), else
    in one of its own (a page)."""
    if s is None:
        with session_scope() as own:
            return room_or_404(room_id, own)
    room = s.get(Room, room_id) if isinstance(room_id, str) and room_id else None
    if room is None:
        raise not_found("room", room_id)
    return room


def list_rooms() -> list[Room]:
    with session_scope() as s:
        return list(s.exec(select(Room).order_by(Room.position, Room.id)))


def slot_views(s: DbSession, room_id: str | None = None) -> list[SlotView]:
    """Every slot (or a room's), sorted by start, with the presenter's name."""
    query = (
        select(Slot, ProgramSession.room_id, Person.name)
        .join(ProgramSession, ProgramSession.id == Slot.session_id)
        .join(Person, Person.id == Slot.presenter_person_id, isouter=True)
        .order_by(Slot.starts_at, Slot.position)
    )
    if room_id is not None:
        query = query.where(ProgramSession.room_id == room_id)
    return [
        SlotView(
            slot.id,
            slot.session_id,
            rid,
            slot.kind,
            slot.title,
            slot.starts_at,
            schedule.slot_ends_at(slot.starts_at, slot.talk_seconds, slot.qa_seconds),
            slot.talk_seconds,
            slot.qa_seconds,
            slot.paper_id,
            slot.presenter_person_id,
            name or "",
            slot.mode,
            slot.fixed_start,
            slot.note,
        )
        for slot, rid, name in s.exec(query)
    ]


def get_slot_view(slot_id: str) -> SlotView:
    with session_scope() as s:
        for view in slot_views(s):
            if view.id == slot_id:
                return view
    raise not_found("slot", slot_id)


def program_payload(now: datetime | None = None) -> dict[str, Any]:
    """GET /api/v1/program and the `program` channel's snapshot: the whole day in the event's time zone."""
    now = now or utcnow()
    with session_scope() as s:
        event = get_event(s)
        tz = event.timezone
        rooms = list(s.exec(select(Room).order_by(Room.position, Room.id)))
        sessions = list(s.exec(select(ProgramSession).order_by(ProgramSession.position, ProgramSession.id)))
        slots = slot_views(s)
        papers = list(s.exec(select(Paper).order_by(Paper.id)))
        authors = s.exec(
            select(Authorship.paper_id, Person.id, Person.name)
            .join(Person, Person.id == Authorship.person_id)
            .order_by(Authorship.paper_id, Authorship.position)
        ).all()
        chairs = dict(
            s.exec(select(Person.id, Person.name).where(Person.id.in_([x.chair_person_id for x in sessions]))).all()
        )
        notes = list(s.exec(select(ProgramNote).order_by(ProgramNote.created_at, ProgramNote.id)))

    def slot_json(v: SlotView) -> dict[str, Any]:
        return {
            "id": v.id,
            "kind": v.kind,
            "title": v.title,
            "starts_at": schedule.local_iso(v.starts_at, tz),
            "ends_at": schedule.local_iso(v.ends_at, tz),
            "paper_id": v.paper_id,
            "talk_seconds": v.talk_seconds,
            "qa_seconds": v.qa_seconds,
            "presenter": v.presenter or None,
            "presenter_person_id": v.presenter_person_id,
            "mode": v.mode,
            "fixed_start": v.fixed_start,
            "note": v.note or None,
        }

    by_session: dict[str, list[SlotView]] = {}
    for v in slots:
        by_session.setdefault(v.session_id, []).append(v)
    authors_by_paper: dict[str, list[dict[str, Any]]] = {}
    for paper_id, person_id, name in authors:
        authors_by_paper.setdefault(paper_id, []).append({"person_id": person_id, "name": name})
    current, upcoming = schedule.now_and_next(slots, now)
    payload = {
        "event": {
            "name": event.name,
            "short_name": event.short_name,
            "host": event.host,
            "date": event.date.isoformat(),
            "timezone": tz,
            "in_person_rule": event.in_person_rule,
            "rule_text": event.rule_text,
            "synthetic": event.synthetic,
            "synthetic_note": event.synthetic_note,
        },
        "rooms": [{"id": r.id, "name": r.name, "stream_url": r.stream_url or None} for r in rooms],
        "sessions": [
            {
                "id": x.id,
                "room_id": x.room_id,
                "title": x.title,
                "chair": chairs.get(x.chair_person_id),
                "chair_person_id": x.chair_person_id,
                "starts_at": schedule.local_iso(min((v.starts_at for v in by_session.get(x.id, [])), default=None), tz),
                "ends_at": schedule.local_iso(max((v.ends_at for v in by_session.get(x.id, [])), default=None), tz),
                "slots": [slot_json(v) for v in by_session.get(x.id, [])],
            }
            for x in sessions
        ],
        "papers": [
            {"id": p.id, "title": p.title, "format": p.format, "authors": authors_by_paper.get(p.id, [])}
            for p in papers
        ],
        "notes": [
            {"text": n.text, "slot_id": n.slot_id, "created_at": schedule.local_iso(n.created_at, tz)} for n in notes
        ],
        "now": {
            "at": schedule.local_iso(now, tz),
            "current_slot_id": current.id if current else None,
            "next_slot_id": upcoming.id if upcoming else None,
        },
    }
    # Features add their part (the timer's day plan) after the read transaction has closed. They may only add keys,
    # so GET /api/v1/program stays backward compatible. Sent plainly, not `send_safely`: a receiver that fails
    # fails the read, as before, rather than serve a payload half-extended.
    signals.program_payload.send(None, payload=payload, now=now)
    return payload


def publish_program(*, local_only: bool = False) -> None:
    """Push the whole program to every open program page (it is small: tens of slots); `local_only`: to this
    server's pages only (for what every server derives by itself, such as the day plan after a timer change)."""
    if load_event() is None:
        return  # people or papers imported before any program: no page shows anything yet
    publish(PROGRAM_CHANNEL, "program", program_payload(), local_only=local_only)


# --- people ---------------------------------------------------------------------------------------------


def resolve_person(s: DbSession, ref: PersonRef, *, update: bool = True) -> Person:
    """The person a file names: by e-mail; else by a name only one person has; else a new person."""
    person = None
    if ref.email:
        person = s.exec(select(Person).where(Person.email == ref.email)).first()
    if person is None:
        same_name = list(s.exec(select(Person).where(func.lower(Person.name) == ref.name.lower()).limit(2)))
        if len(same_name) == 1 and (ref.email is None or same_name[0].email is None):
            person = same_name[0]
    if person is None:
        person = Person(name=ref.name, sort_name=ref.sort_name, email=ref.email)
    if update or person.id is None:
        person.email = ref.email or person.email
        person.affiliation = ref.affiliation or person.affiliation
        if ref.attendance is not None:
            person.attendance = ref.attendance
        if ref.is_organizer is not None:
            person.is_organizer = ref.is_organizer
    s.add(person)
    s.flush()
    return person


def apply_people(s: DbSession, people: list[PersonRef]) -> int:
    for ref in people:
        resolve_person(s, ref)
    return len(people)


def apply_papers(s: DbSession, papers: list[PaperRecord]) -> int:
    """Upsert papers; each paper's authors become exactly the file's, in its order."""
    for record in papers:
        paper = s.get(Paper, record.id) or Paper(id=record.id, title=record.title)
        paper.title, paper.format = record.title, record.format or paper.format
        s.add(paper)
        existing = {a.position: a.person_id for a in s.exec(select(Authorship).where(Authorship.paper_id == record.id))}
        people: list[int] = []
        contacts: set[int] = set()
        for position, ref in enumerate(record.authors):
            keep = s.get(Person, existing[position]) if position in existing else None
            if (
                keep is not None
                and keep.name.lower() == ref.name.lower()
                and (not ref.email or keep.email in (None, ref.email))
            ):
                person = keep
                person.email = ref.email or person.email
                person.affiliation = ref.affiliation or person.affiliation
                s.add(person)
            else:
                person = resolve_person(s, ref, update=False)
            if getattr(ref, "contact", False):
                contacts.add(person.id)
            if person.id in people:  # the same person twice on one paper (a typo in the file): keep the first
                continue
            people.append(person.id)
        s.exec(delete(Authorship).where(Authorship.paper_id == record.id))
        s.flush()
        for position, person_id in enumerate(people):
            s.add(Authorship(paper_id=record.id, position=position, person_id=person_id, contact=person_id in contacts))
    s.flush()
    return len(papers)


def apply_program(s: DbSession, program: ProgramRecord) -> int:
    """Upsert the event, rooms, sessions and slots. A session's slots become exactly the file's."""
    event = s.exec(select(Event)).first() or Event(**{k: program.event[k] for k in ("name", "date", "timezone")})
    for key, value in program.event.items():
        setattr(event, key, value)
    s.add(event)
    for room in program.rooms:
        row = s.get(Room, room["id"]) or Room(id=room["id"], name=room["name"])
        row.name, row.stream_url, row.position = room["name"], room["stream_url"], room["position"]
        s.add(row)
    apply_people(s, program.people)
    s.flush()
    count = 0
    for position, record in enumerate(program.sessions):
        chair = resolve_person(s, record.chair, update=False) if record.chair else None
        sess = s.get(ProgramSession, record.id) or ProgramSession(
            id=record.id, room_id=record.room_id, title=record.title
        )
        sess.room_id, sess.title, sess.position = record.room_id, record.title, position
        sess.chair_person_id = chair.id if chair else None
        s.add(sess)
        s.flush()
        keep = {slot.id for slot in record.slots}
        s.exec(delete(Slot).where(Slot.session_id == record.id, Slot.id.not_in(keep)))
        for slot_position, rec in enumerate(record.slots):
            title = rec.title
            if rec.paper_id is not None:
                paper = s.get(Paper, rec.paper_id)
                if paper is None:
                    message = f"slot {rec.id}: paper {rec.paper_id} is not imported (import the papers first)"
                    if s.get(WithdrawnPaper, rec.paper_id) is not None:  # an import with --replace took it out
                        message = (
                            f"slot {rec.id}: paper {rec.paper_id} was withdrawn: import it again or take "
                            "paper_id out of the slot"
                        )
                    raise ApiError(400, "unknown_paper", message, line=rec.line)
                title = title or paper.title
            presenter = resolve_person(s, rec.presenter, update=False) if rec.presenter else None
            slot = s.get(Slot, rec.id) or Slot(
                id=rec.id,
                session_id=record.id,
                kind=rec.kind,
                title=title,
                starts_at=rec.starts_at,
                talk_seconds=rec.talk_seconds,
            )
            slot.session_id, slot.position, slot.kind, slot.title = record.id, slot_position, rec.kind, title
            slot.starts_at, slot.talk_seconds, slot.qa_seconds = rec.starts_at, rec.talk_seconds, rec.qa_seconds
            slot.paper_id, slot.mode, slot.fixed_start, slot.note = rec.paper_id, rec.mode, rec.fixed_start, rec.note
            slot.presenter_person_id = presenter.id if presenter else None
            s.add(slot)
            count += 1
    s.flush()
    known = {(n.text, n.slot_id) for n in s.exec(select(ProgramNote))}
    for note in program.notes:
        if (note["text"], note["slot_id"]) not in known:
            s.add(ProgramNote(text=note["text"], slot_id=note["slot_id"]))
    return count
