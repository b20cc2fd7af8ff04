"""The workshop's rule, as plain functions on plain data: which accepted papers have an author here.

covered   at least one author has checked in in person (wins over an excuse)
excused   an organizer recorded an exception (e.g. an approved remote presentation), with who and why
uncovered its slot has started and no author is present
at_risk   no author present, and the slot starts within the warning window, or no author is expected in person
waiting   authors are expected and the slot is not near yet
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

STATUSES = ("uncovered", "at_risk", "waiting", "excused", "covered")  # most urgent first
DEFAULT_WARNING = timedelta(minutes=30)


@dataclass(frozen=True)
class Author:
    person_id: int
    name: str
    attendance: str = "in_person"  # "in_person", "online" or "none", as in the Person table


@dataclass(frozen=True)
class PaperSlot:
    paper_id: str
    title: str
    authors: tuple[Author, ...]
    starts_at: datetime | None = None  # the paper's talk; None when it has no slot (e.g. a poster)
    slot_id: str | None = None
    session_id: str | None = None
    session_title: str = ""
    room_id: str | None = None
    mode: str = "in_person"


@dataclass(frozen=True)
class Excuse:
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class PaperStatus:
    paper: PaperSlot
    status: str
    present: tuple[Author, ...]
    missing: tuple[Author, ...]
    excuse: Excuse | None = None
    minutes_to_start: int | None = field(default=None)


def paper_status(
    paper: PaperSlot,
    present_ids: set[int] | frozenset[int],
    now: datetime,
    excuse: Excuse | None = None,
    warning: timedelta = DEFAULT_WARNING,
) -> PaperStatus:
    """One paper's status. `present_ids`: people with an active in-person check-in (identity is the id)."""
    present = tuple(a for a in paper.authors if a.person_id in present_ids)
    missing = tuple(a for a in paper.authors if a.person_id not in present_ids)
    minutes = None if paper.starts_at is None else int((paper.starts_at - now).total_seconds() // 60)
    if present:
        status = "covered"
    elif excuse is not None:
        status = "excused"
    elif paper.starts_at is not None and now >= paper.starts_at:
        status = "uncovered"
    elif (
        paper.starts_at is not None
        and paper.starts_at - now <= warning
        or not any(a.attendance == "in_person" for a in paper.authors)
    ):
        status = "at_risk"
    else:
        status = "waiting"
    return PaperStatus(paper, status, present, missing, excuse if status in ("excused", "covered") else None, minutes)


def evaluate(
    papers: Iterable[PaperSlot],
    present_ids: set[int] | frozenset[int],
    now: datetime,
    excuses: dict[str, Excuse] | None = None,
    warning: timedelta = DEFAULT_WARNING,
) -> list[PaperStatus]:
    """Every paper's status, most urgent first, then by start time."""
    excuses = excuses or {}
    result = [paper_status(p, present_ids, now, excuses.get(p.paper_id), warning) for p in papers]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    result.sort(key=lambda r: (STATUSES.index(r.status), r.paper.starts_at or far, r.paper.paper_id))
    return result


def summarize(statuses: Iterable[PaperStatus]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    total = 0
    for r in statuses:
        counts[r.status] += 1
        total += 1
    return {"total": total, **counts}


@dataclass(frozen=True)
class SessionReadiness:
    session_id: str
    title: str
    room_id: str | None
    starts_at: datetime | None
    papers: int
    ready: int  # covered or excused
    covered: int
    minutes_to_start: int | None


def readiness(statuses: Iterable[PaperStatus], now: datetime) -> list[SessionReadiness]:
    """Per session: how many papers are ready ("3 of 4 papers covered; starts in 20 min")."""
    groups: dict[str, list[PaperStatus]] = {}
    for r in statuses:
        if r.paper.session_id:
            groups.setdefault(r.paper.session_id, []).append(r)
    out = []
    for sid, rows in groups.items():
        starts = min((r.paper.starts_at for r in rows if r.paper.starts_at), default=None)
        out.append(
            SessionReadiness(
                sid,
                rows[0].paper.session_title,
                rows[0].paper.room_id,
                starts,
                len(rows),
                sum(r.status in ("covered", "excused") for r in rows),
                sum(r.status == "covered" for r in rows),
                None if starts is None else int((starts - now).total_seconds() // 60),
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    out.sort(key=lambda x: (x.starts_at or far, x.session_id))
    return out
