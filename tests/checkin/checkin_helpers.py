"""Helpers for the check-in tests."""

from sqlmodel import select

from eventapp.checkin.badges import get_badge
from eventapp.db import session_scope
from eventapp.program.models import Authorship, Person


def person_id(name: str) -> int:
    with session_scope() as s:
        return s.exec(select(Person.id).where(Person.name == name)).first()


def author_id(paper_id: str, position: int) -> int:
    with session_scope() as s:
        return s.exec(
            select(Authorship.person_id).where(Authorship.paper_id == paper_id, Authorship.position == position)
        ).one()


def code_of(pid: int) -> str:
    return get_badge(pid).code
