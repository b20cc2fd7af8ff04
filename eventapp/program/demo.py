"""The TAI4H 2024 demo day: real papers, authors, keynotes and organizers; made-up times, room, chairs,
presenters and attendees, labelled as such wherever a person sees them."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import select

from . import schedule
from .importing import PaperRecord, PersonRef, parse_program_doc, split_name
from .models import Authorship, Event, Person, Slot
from .service import apply_papers, apply_people, apply_program

SYNTHETIC_NOTE = (
    "Demo data: the papers, authors, keynotes and organizers are TAI4H 2024's real public facts; the times, "
    "room, chairs, presenters, attendance and check-ins are made up."
)
ROOM_ID = "main"

# Papers whose only expected presenter follows remotely (approved) or has registered online only.
REMOTE_APPROVED = "S6"
ONLINE_ONLY = "S7"
# Papers with a second author registered in person, so one absence does not uncover them.
SECOND_AUTHOR_IN_PERSON = {"L2": 1, "L5": 1, "S3": 1}


def public_facts() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("data/tai4h-2024.json").read_text(encoding="utf-8"))


def _presenter(paper: dict[str, Any]) -> str:
    """The demo's presenter: the author the site marked with '*' (probably the contact author)."""
    return paper.get("marked_author") or paper["authors"][0]


def program_doc(day: date, facts: dict[str, Any]) -> dict[str, Any]:
    """The demo program in the import format (docs/program-format.md)."""
    papers = {p["id"]: p for p in facts["papers"]}
    keynotes = facts["keynotes"]

    def keynote(n: int, start: str, fixed: bool = False) -> dict[str, Any]:
        k = keynotes[n - 1]
        return {
            "id": f"keynote-{n}",
            "kind": "keynote",
            "title": k["title"],
            "start": start,
            "talk_minutes": 30,
            "qa_minutes": 10,
            "presenter": {"name": k["speaker"], "affiliation": k["affiliation"]},
            "fixed_start": fixed,
        }

    def talk(pid: str, start: str) -> dict[str, Any]:
        p = papers[pid]
        long = p["format"].startswith("long")
        return {
            "id": f"talk-{pid}",
            "kind": "paper",
            "paper_id": pid,
            "start": start,
            "talk_minutes": 15 if long else 8,
            "qa_minutes": 5 if long else 2,
            "presenter": _presenter(p),
            "mode": "remote" if pid == REMOTE_APPROVED else "in_person",
            "note": "Approved remote presentation (synthetic)" if pid == REMOTE_APPROVED else "",
        }

    def pause(sid: str, title: str, start: str, minutes: int) -> dict[str, Any]:
        return {"id": sid, "kind": "break", "title": title, "start": start, "talk_minutes": minutes}

    withdrawn = facts["withdrawn_keynote"]
    return {
        "event": {
            "name": facts["event"]["name"],
            "short_name": facts["event"]["short_name"],
            "host": facts["event"]["host_conference"],
            "date": day.isoformat(),
            "timezone": facts["event"]["timezone"],
            "in_person_rule": True,
            "rule_text": facts["event"]["rule"],
            "synthetic": True,
            "synthetic_note": SYNTHETIC_NOTE,
        },
        "rooms": [
            {"id": ROOM_ID, "name": "Workshop room (synthetic)", "stream_url": "https://stream.example.org/tai4h"}
        ],
        "sessions": [
            {
                "id": "opening",
                "room_id": ROOM_ID,
                "title": "Opening and keynotes I",
                "chair": "Yuyin Zhou",
                "slots": [
                    {
                        "id": "opening",
                        "kind": "opening",
                        "title": "Opening remarks",
                        "start": "08:50",
                        "talk_minutes": 10,
                        "presenter": "Hao Chen",
                    },
                    keynote(1, "09:00"),
                    keynote(2, "09:40"),
                ],
            },
            {
                "id": "break-am",
                "room_id": ROOM_ID,
                "title": "Coffee break",
                "slots": [pause("break-am", "Coffee break", "10:20", 20)],
            },
            {
                "id": "orals-1",
                "room_id": ROOM_ID,
                "title": "Long orals I",
                "chair": "Luyang Luo",
                "slots": [talk("L1", "10:40"), talk("L2", "11:00"), talk("L3", "11:20"), talk("L4", "11:40")],
            },
            {"id": "lunch", "room_id": ROOM_ID, "title": "Lunch", "slots": [pause("lunch", "Lunch", "12:00", 90)]},
            {
                "id": "keynotes-2",
                "room_id": ROOM_ID,
                "title": "Keynotes II",
                "chair": "Lequan Yu",
                "slots": [keynote(3, "13:30", fixed=True), keynote(4, "14:10")],
            },
            {
                "id": "orals-2",
                "room_id": ROOM_ID,
                "title": "Long and short orals",
                "chair": "Yueming Jin",
                "slots": [
                    talk("L5", "14:50"),
                    talk("S1", "15:10"),
                    talk("S2", "15:20"),
                    talk("S3", "15:30"),
                    talk("S4", "15:40"),
                ],
            },
            {
                "id": "break-pm",
                "room_id": ROOM_ID,
                "title": "Coffee break",
                "slots": [pause("break-pm", "Coffee break", "15:50", 20)],
            },
            {
                "id": "orals-3",
                "room_id": ROOM_ID,
                "title": "Short orals and closing keynote",
                "chair": "Xi Wang",
                "slots": [
                    talk("S5", "16:10"),
                    talk("S6", "16:20"),
                    talk("S7", "16:30"),
                    talk("S8", "16:40"),
                    keynote(5, "16:50"),
                    {
                        "id": "closing",
                        "kind": "closing",
                        "title": "Closing and best paper award",
                        "start": "17:30",
                        "talk_minutes": 10,
                        "presenter": "Hao Chen",
                    },
                ],
            },
        ],
        "notes": [
            {
                "text": f"Program change: the keynote by {withdrawn['speaker']} ({withdrawn['affiliation']}), "
                f"\u201c{withdrawn['title']}\u201d, was listed in June and is no longer on the program.",
            }
        ],
    }


def demo_people(facts: dict[str, Any]) -> list[PersonRef]:
    """Organizers and keynote speakers (real names) plus synthetic registrations."""
    people: list[PersonRef] = []
    for i, name in enumerate(facts["organizers"] + facts["student_organizers"]):
        display, sort_name = split_name(name)
        # A few organizers follow online: the board must not count them.
        people.append(
            PersonRef(display, sort_name, attendance="online" if i in (2, 11) else "in_person", is_organizer=True)
        )
    for k in facts["keynotes"]:
        display, sort_name = split_name(k["speaker"])
        people.append(PersonRef(display, sort_name, affiliation=k["affiliation"], attendance="in_person"))
    for n in range(1, 28):
        people.append(
            PersonRef(
                f"Attendee {n:02d}",
                f"Attendee {n:02d}",
                affiliation="Synthetic registration",
                attendance="online" if n % 5 == 0 else "in_person",
            )
        )
    return people


def demo_papers(facts: dict[str, Any]) -> list[PaperRecord]:
    records = []
    for p in facts["papers"]:
        authors = []
        for raw in p["authors"]:
            display, sort_name = split_name(raw)
            authors.append(PersonRef(display, sort_name))
        records.append(PaperRecord(0, p["id"], p["title"], p["format"], authors))
    return records


def author_attendance(facts: dict[str, Any]) -> dict[tuple[str, int], str]:
    """(paper id, author position) -> attendance, for the synthetic registrations of paper authors."""
    result = {}
    for p in facts["papers"]:
        presenter = p["authors"].index(_presenter(p))
        if p["id"] == ONLINE_ONLY or p["id"] == REMOTE_APPROVED:
            result[(p["id"], presenter)] = "online"
        else:
            result[(p["id"], presenter)] = "in_person"
        if p["id"] in SECOND_AUTHOR_IN_PERSON:
            result[(p["id"], SECOND_AUTHOR_IN_PERSON[p["id"]])] = "in_person"
    return result


def seed(s: DbSession, day: date) -> None:
    """Fill an empty database with the demo day (the caller empties it first)."""
    facts = public_facts()
    apply_people(s, demo_people(facts))
    apply_papers(s, demo_papers(facts))
    for (paper_id, position), attendance in author_attendance(facts).items():
        person = s.exec(
            select(Person)
            .join(Authorship, Authorship.person_id == Person.id)
            .where(Authorship.paper_id == paper_id, Authorship.position == position)
        ).one()
        if person.attendance == "none" or attendance == "in_person":
            person.attendance = attendance
        s.add(person)
    apply_program(s, parse_program_doc(program_doc(day, facts), "demo"))


# --- the live demo ------------------------------------------------------------------------------------------

LIVE_MINUTES_IN = 2  # `--date live` puts the current moment this far into a paper talk


def live_placement(now: datetime, tz: str) -> tuple[date, timedelta]:
    """(the demo's date, a shift of every time) so that `now` falls LIVE_MINUTES_IN minutes into a paper talk.

    The date is now's date in the event's zone. Of the paper talks, the one needing the smallest shift wins among
    those that keep the whole day on that date (from about 02:00 to 23:00 there always is one); at night the
    day crosses midnight. At 11:03 in Seoul the real plan already has a talk on: no shift."""
    facts = public_facts()
    day = now.astimezone(schedule.zone(tz)).date()
    slots = [rec for session in parse_program_doc(program_doc(day, facts), "demo").sessions for rec in session.slots]
    first = min(rec.starts_at for rec in slots)
    last = max(rec.starts_at + timedelta(seconds=rec.talk_seconds + rec.qa_seconds) for rec in slots)
    midnight = schedule.local_to_utc(day, schedule.parse_hhmm("00:00"), tz)
    moment = now.replace(second=0, microsecond=0)
    best: tuple[bool, timedelta, timedelta] | None = None
    for rec in slots:
        if rec.kind != "paper":
            continue
        end = rec.starts_at + timedelta(seconds=rec.talk_seconds + rec.qa_seconds)
        if rec.starts_at <= moment < end and moment - rec.starts_at <= timedelta(minutes=4):
            return day, timedelta(0)  # already live as planned
        shift = moment - (rec.starts_at + timedelta(minutes=LIVE_MINUTES_IN))
        fits = first + shift >= midnight and last + shift <= midnight + timedelta(days=1)
        key = (not fits, abs(shift), shift)
        if best is None or key < best:
            best = key
    assert best is not None, "the demo program has paper talks"
    return day, best[2]


def shift_day(s: DbSession, shift: timedelta) -> None:
    """Move every slot by `shift` (the live demo), and say so on the synthetic banner."""
    if not shift:
        return
    for slot in s.exec(select(Slot)):
        slot.starts_at = slot.starts_at + shift
        s.add(slot)
    event = s.exec(select(Event)).first()
    if event is not None:
        minutes = round(shift.total_seconds() / 60)
        hours, rest = divmod(abs(minutes), 60)
        amount = f"{hours} h {rest:02d} min" if hours else f"{rest} min"
        event.synthetic_note = (
            f"{SYNTHETIC_NOTE} Live demo: the day is shifted {amount} {'later' if minutes > 0 else 'earlier'} "
            "than planned, so that a talk is on now."
        )
        s.add(event)
    s.flush()
