"""Certificates: attendance for each person who checked in (in person), presentation for the presenting author of
each presented paper. Made before `eventapp purge` (after it, attendees' names are gone: refused)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select

from ..auth import Principal
from ..checkin.models import CheckIn
from ..db import read_scope
from ..errors import ApiError, not_found
from ..program.models import Person, Slot
from . import build, pdf, service
from .models import ReportKept

KINDS = ("all", "attendance", "presentation")
PRESENTED = ("presented_in_person", "presented_remote")


def _date(iso: str) -> str:

    d = date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B %Y')}"


def collect(kind: str = "all", person_id: int | None = None) -> list[pdf.Certificate]:
    """The certificates to print, attendance first (by name), then presentations (by paper)."""
    if kind not in KINDS:
        raise ApiError(400, "invalid_kind", f"kind must be one of {', '.join(KINDS)}.")
    with read_scope() as s:
        if s.get(ReportKept, 1) is not None:
            raise ApiError(409, "purged", "Personal data has been purged: certificates are made before the purge.")
        if person_id is not None and s.get(Person, person_id) is None:
            raise not_found("person", person_id)
        report = build.build(s)
        names = dict(s.exec(select(Person.id, Person.name)).all())
        here = set(s.exec(select(CheckIn.person_id).where(CheckIn.undone_at.is_(None), CheckIn.in_person.is_(True))))
        presenters = dict(s.exec(select(Slot.id, Slot.presenter_person_id)).all())
    event = report["event"]
    note = "Demo certificate (synthetic data)" if event.get("synthetic") else ""
    base = {"event": event["name"], "host": event.get("host", ""), "date": _date(event["date"]), "note": note}
    out: list[pdf.Certificate] = []
    if kind in ("all", "attendance"):
        people = sorted((pid for pid in here if person_id in (None, pid)), key=lambda pid: (names.get(pid, ""), pid))
        out += [pdf.Certificate("attendance", pid, names.get(pid, ""), **base) for pid in people]
    if kind in ("all", "presentation"):
        for p in report["papers"]:
            if p["status"] not in PRESENTED:
                continue
            pid = presenting_author(p, presenters.get(p["slot_id"]))
            if pid is None or person_id not in (None, pid):
                continue
            out.append(
                pdf.Certificate(
                    "presentation", pid, names.get(pid, ""), paper_title=p["title"], paper_id=p["paper_id"], **base
                )
            )
    return out


def presenting_author(paper: dict[str, Any], slot_presenter: int | None) -> int | None:
    """Who presented: in person, the slot's presenter if they were here before the slot's end, else the first author
    who was; remotely (or by an override without evidence), the slot's presenter if an author, else the first
    author present, else the first author."""
    authors = [a["person_id"] for a in paper.get("authors", [])]
    present = paper.get("authors_present") or []
    in_time = [a["person_id"] for a in present if a.get("before_slot_end")]
    if paper["status"] == "presented_in_person" and in_time:
        return slot_presenter if slot_presenter in in_time else in_time[0]
    if slot_presenter in authors:
        return slot_presenter
    for choice in ([a["person_id"] for a in present], authors):
        if choice:
            return choice[0]
    return None


def pdf_for(kind: str = "all", person_id: int | None = None, principal: Principal | None = None) -> tuple[bytes, int]:
    items = collect(kind, person_id)
    service.log_act(
        "certificate", f"{kind} person {person_id}" if person_id else kind, f"{len(items)} pages", principal
    )
    return pdf.certificates_pdf(items), len(items)


def person_pdf(person_id: int, kind: str, principal: Principal) -> bytes:
    """One person's certificate(s), for the desk; 404 when they have none of this kind."""
    data, count = pdf_for(kind, person_id, principal)
    if count == 0:
        raise ApiError(
            404,
            "no_certificate",
            f"Person {person_id} has no {'' if kind == 'all' else kind + ' '}certificate: "
            "attendance needs a check-in, presentation a presented paper.",
        )
    return data
