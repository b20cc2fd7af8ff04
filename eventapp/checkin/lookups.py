"""Small reads every check-in use case shares: the signing secret, the coverage warning window, the event's zone
and each person's talks (both memoized per app, as every scan answer needs them)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlmodel import Session as DbSession
from sqlmodel import select

from ..program import schedule
from ..program.models import Authorship, Event, Paper, Slot


def signing_secret() -> str:
    return current_app.config["SECRET_KEY"]


def warning_window() -> timedelta:
    return timedelta(minutes=current_app.config["CHECKIN_WARNING_MINUTES"])


def hhmm(moment: datetime | None, tz: str) -> str | None:
    return None if moment is None else schedule.local_hhmm(moment, tz)


def cache() -> dict[str, Any]:
    """Per-app memo of rarely changing reads (one app per process in production, one per test)."""
    return current_app.extensions.setdefault("checkin.cache", {})


def event_tz(s: DbSession) -> str:
    """The event's zone, re-read at most every few seconds (every scan answer needs it)."""
    at, tz = cache().get("tz", (0.0, "UTC"))
    if time.monotonic() - at > 5:
        tz = s.exec(select(Event.timezone)).first() or "UTC"
        cache()["tz"] = (time.monotonic(), tz)
    return tz


def presentations(s: DbSession, person_ids: list[int] | None, tz: str) -> dict[int, list[dict[str, Any]]]:
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
        out.setdefault(pid, []).append(
            {
                "paper_id": paper_id,
                "title": title,
                "slot_id": slot_id,
                "kind": "paper",
                "starts_at": schedule.local_iso(starts_at, tz),
                "hhmm": hhmm(starts_at, tz),
                "mode": mode,
                "presenter": presenter == pid,
            }
        )
    kq = select(Slot.presenter_person_id, Slot.id, Slot.title, Slot.starts_at, Slot.mode).where(
        Slot.presenter_person_id.is_not(None), Slot.paper_id.is_(None), Slot.kind == "keynote"
    )
    if person_ids is not None:
        kq = kq.where(Slot.presenter_person_id.in_(person_ids))
    keynotes = s.exec(kq).all()
    for pid, slot_id, title, starts_at, mode in keynotes:
        out.setdefault(pid, []).append(
            {
                "paper_id": None,
                "title": title,
                "slot_id": slot_id,
                "kind": "keynote",
                "starts_at": schedule.local_iso(starts_at, tz),
                "hhmm": schedule.local_hhmm(starts_at, tz),
                "mode": mode,
                "presenter": True,
            }
        )
    return out
