"""Badges: who gets which code (and its version after a reissue), the roles and papers printed on it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import select

from ..db import session_scope
from ..errors import ApiError
from ..program.models import Authorship, Paper, Person, Slot
from ..program.models import Session as ProgramSession
from . import codes
from .lookups import signing_secret
from .models import BadgeVersion


def badge_versions(s: DbSession, person_ids: Iterable[int] | None = None) -> dict[int, int]:
    query = select(BadgeVersion.person_id, BadgeVersion.version)
    if person_ids is not None:
        query = query.where(BadgeVersion.person_id.in_(list(person_ids)))
    return dict(s.exec(query).all())


def badge_code(person_id: int, version: int = 1) -> str:
    return codes.make_code(signing_secret(), person_id, version)


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
            "person_id": self.person_id,
            "name": self.name,
            "sort_name": self.sort_name,
            "affiliation": self.affiliation,
            "attendance": self.attendance,
            "roles": " ".join(self.roles),
            "papers": " ".join(p for p, _ in self.papers),
            "code": self.code,
            "short_code": self.short_code,
            "version": self.version,
        }


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
        chairs = set(s.exec(select(ProgramSession.chair_person_id)).all())
    by_person: dict[int, list[tuple[str, str]]] = {}
    for pid, paper_id, title in papers:
        by_person.setdefault(pid, []).append((paper_id, title))
    secret = signing_secret()
    result = []
    for p in people:
        version = versions.get(p.id, 1)
        roles = tuple(
            r
            for r, yes in (
                ("organizer", p.is_organizer),
                ("keynote speaker", p.id in speakers),
                ("chair", p.id in chairs),
                ("author", p.id in by_person),
            )
            if yes
        ) or ("participant",)
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
            )
        )
    return result


def get_badge(person_id: int) -> Badge:
    found = badges([person_id])
    if not found:
        raise ApiError(404, "person_unknown", f"There is no person with id {person_id}.")
    return found[0]
