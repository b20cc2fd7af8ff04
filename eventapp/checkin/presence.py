"""Who is here, and what that means for each paper: the reads under the coverage board and the chair console.

`paper_presence` is the public read other features use (the timer's chair console shows the door's news)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import select

from ..db import session_scope, utcnow
from ..program.models import Authorship, Paper, Person, Slot
from ..program.models import Session as ProgramSession
from . import coverage
from .lookups import warning_window
from .models import CheckIn, PaperExcuse


def load_papers(s: DbSession, paper_ids: list[str] | None = None) -> list[coverage.PaperSlot]:
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
        select(
            Slot.paper_id,
            Slot.id,
            Slot.starts_at,
            Slot.mode,
            ProgramSession.id,
            ProgramSession.title,
            ProgramSession.room_id,
        )
        .join(ProgramSession, ProgramSession.id == Slot.session_id)
        .where(Slot.paper_id.in_(ids))
        .order_by(Slot.starts_at)
    ).all():
        slots.setdefault(paper_id, (slot_id, starts_at, mode, session_id, title, room_id))
    out = []
    for p in papers:
        slot_id, starts_at, mode, session_id, session_title, room_id = slots.get(p.id, (None,) * 6)
        out.append(
            coverage.PaperSlot(
                p.id,
                p.title,
                tuple(authors.get(p.id, ())),
                starts_at,
                slot_id,
                session_id,
                session_title or "",
                room_id,
                mode or "in_person",
            )
        )
    return out


def present_ids(s: DbSession, person_ids: Iterable[int] | None = None) -> set[int]:
    query = select(CheckIn.person_id).where(CheckIn.undone_at.is_(None), CheckIn.in_person.is_(True))
    if person_ids is not None:
        query = query.where(CheckIn.person_id.in_(list(person_ids)))
    return set(s.exec(query).all())


def excuses(s: DbSession) -> dict[str, coverage.Excuse]:
    return {e.paper_id: coverage.Excuse(e.reason, e.by_name, e.created_at) for e in s.exec(select(PaperExcuse))}


def evaluate_all(s: DbSession, now: datetime) -> list[coverage.PaperStatus]:
    papers = load_papers(s)
    authors = {a.person_id for p in papers for a in p.authors}  # only authors matter: a short IN list
    return coverage.evaluate(papers, present_ids(s, authors), now, excuses(s), warning_window())


def paper_presence(paper_ids: list[str]) -> dict[str, dict[str, Any]]:
    """For the chair console: each paper's status and who of its authors is here."""
    now = utcnow()
    with session_scope() as s:
        papers = load_papers(s, list(paper_ids))
        authors = {a.person_id for p in papers for a in p.authors}
        present = present_ids(s, authors)
        statuses = coverage.evaluate(papers, present, now, excuses(s), warning_window())
    return {
        r.paper.paper_id: {
            "status": r.status,
            "present_authors": [{"person_id": a.person_id, "name": a.name} for a in r.present],
        }
        for r in statuses
    }
