"""The demo's morning: a few people already checked in at the door, and the approved remote presentation
(S6) excused by an organizer. All made up (the event is marked synthetic, and every page says so)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlmodel import Session as DbSession
from sqlmodel import func, select

from ..program import schedule
from ..program.demo import REMOTE_APPROVED
from ..program.models import Authorship, Event, Person, Slot
from .models import CheckIn, CheckinAudit, PaperExcuse, ScanLog

DEVICE = "Door 1 (synthetic)"
# (paper, author position) of authors already here: Hao Chen (organizer, author of L1 and S5) covers two papers.
AUTHORS_HERE = [("L1", 1), ("L2", 1), ("L3", 0)]
OTHERS_HERE = [
    "Pong Chi Yuen",
    "Yifan Peng",
    "Yuyin Zhou",
    "Luyang Luo",
    "Attendee 01",
    "Attendee 02",
    "Attendee 03",
    "Attendee 04",
    "Attendee 06",
]
EXCUSE = "Approved remote presentation: visa not granted in time (synthetic)."


def seed(s: DbSession, day: date) -> None:
    event = s.exec(select(Event)).first()
    tz = event.timezone if event else "UTC"
    # Half an hour before the first slot (08:20 on the planned day; the live demo shifts the slots).
    first = s.exec(select(func.min(Slot.starts_at))).one()
    start = first - timedelta(minutes=30) if first else schedule.local_to_utc(day, schedule.parse_hhmm("08:20"), tz)
    people: list[Person] = []
    for paper_id, position in AUTHORS_HERE:
        person = s.exec(
            select(Person)
            .join(Authorship, Authorship.person_id == Person.id)
            .where(Authorship.paper_id == paper_id, Authorship.position == position)
        ).first()
        if person is not None:
            people.append(person)
    for name in OTHERS_HERE:
        person = s.exec(select(Person).where(Person.name == name)).first()
        if person is not None and person not in people:
            people.append(person)
    for i, person in enumerate(people):
        at: datetime = start + timedelta(minutes=4 * i + (i % 3))
        nonce = f"demo-{uuid.uuid4().hex}"
        checkin = CheckIn(person_id=person.id, created_at=at, scanned_at=at, device=DEVICE, nonce=nonce, method="demo")
        s.add(checkin)
        s.flush()
        s.add(
            ScanLog(
                nonce=nonce,
                created_at=at,
                scanned_at=at,
                device=DEVICE,
                person_id=person.id,
                checkin_id=checkin.id,
                result="ok",
                method="demo",
                status=201,
            )
        )
    by = "Demo organizer (synthetic)"
    s.add(PaperExcuse(paper_id=REMOTE_APPROVED, reason=EXCUSE, by_name=by, created_at=start))
    s.add(
        CheckinAudit(action="excuse", subject=f"paper {REMOTE_APPROVED}", reason=EXCUSE, by_name=by, created_at=start)
    )
