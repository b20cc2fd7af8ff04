"""The manual search at the door: by name, paper id or title, or the short code printed on the badge."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_
from sqlmodel import select

from ..db import session_scope
from ..errors import ApiError
from ..program import schedule
from ..program.models import Authorship, Paper, Person
from . import codes
from .badges import badge_versions
from .lookups import event_tz, presentations, signing_secret
from .models import CheckIn


def search(query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Manual search at the door: by name, paper id or title, or the short code printed on the badge."""
    q = (query or "").strip()
    if not q:
        return []
    if len(q) > 100:
        raise ApiError(400, "query_too_long", "Search with at most 100 characters.")
    secret = signing_secret()
    with session_scope() as s:
        like = f"%{q.lower()}%"
        by_name = set(
            s.exec(
                select(Person.id).where(
                    or_(func.lower(Person.name).like(like), func.lower(Person.sort_name).like(like))
                )
            ).all()
        )
        by_paper = set(
            s.exec(
                select(Authorship.person_id)
                .join(Paper, Paper.id == Authorship.paper_id)
                .where(or_(func.lower(Paper.id) == q.lower(), func.lower(Paper.title).like(like)))
            ).all()
        )
        ids = by_name | by_paper
        if len(q) == codes.SHORT_LENGTH:
            versions = badge_versions(s)
            for pid in s.exec(select(Person.id)).all():
                if codes.short_code(secret, pid, versions.get(pid, 1)) == q.upper():
                    ids.add(pid)
        ids = sorted(ids)[: limit * 3]
        people = {p.id: p for p in s.exec(select(Person).where(Person.id.in_(ids)))}
        tz = event_tz(s)
        talks = presentations(s, ids, tz)
        active = {
            c.person_id: c
            for c in s.exec(select(CheckIn).where(CheckIn.person_id.in_(ids), CheckIn.undone_at.is_(None)))
        }
    out = []
    for pid in ids:
        p = people.get(pid)
        if p is None:
            continue
        c = active.get(pid)
        out.append(
            {
                "person_id": pid,
                "name": p.name,
                "affiliation": p.affiliation,
                "attendance": p.attendance,
                "papers": talks.get(pid, []),
                "checked_in_hhmm": schedule.local_hhmm(c.scanned_at, tz) if c else None,
                "checkin_id": c.id if c else None,
            }
        )
    out.sort(key=lambda x: (x["name"].lower(), x["person_id"]))
    return out[:limit]
