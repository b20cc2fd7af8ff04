"""Applying a papers file: what changes (papers added, updated, withdrawn; people created, matched, ambiguous),
`--dry-run` (the same work, rolled back), `--replace` (the accepted papers become exactly the file's), the
import log, and merging two people who are one."""

from __future__ import annotations

import getpass
import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Table, func, update
from sqlmodel import Session as DbSession
from sqlmodel import SQLModel, select

from ...db import import_models, session_scope, utcnow
from ...errors import ApiError
from ..models import Authorship, ImportLog, Paper, Person, Slot, WithdrawnPaper
from ..service import apply_papers
from .records import PapersFile, PersonRef


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that it rolls back."""


@dataclass
class PapersOutcome:
    format: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    withdrawn: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    withdrawn_checked_in: list[tuple[str, list[str]]] = field(default_factory=list)  # (id, authors checked in)
    people_created: list[str] = field(default_factory=list)
    people_matched: int = 0
    people_ambiguous: list[str] = field(default_factory=list)
    assumed_in_person: int = 0
    skipped: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    log_id: int | None = None

    def lines(self) -> list[str]:
        verb = "would import" if self.dry_run else "imported"
        out = [f"recognised: {self.format}"]
        out += [f"warning: {w}" for w in self.warnings]
        total = len(self.added) + len(self.updated) + len(self.unchanged)
        out.append(
            f"{verb} {total} papers: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.withdrawn)} withdrawn"
        )
        if self.skipped:
            reasons = self.skipped.most_common()
            said = reasons[0][0] if len(reasons) == 1 else ", ".join(f"{n} {why}" for why, n in reasons)
            out.append(f"skipped {sum(self.skipped.values())}: {said} (only accepted papers are imported)")
        for label, ids in (("added", self.added), ("updated", self.updated)):
            if ids:
                out.append(f"  {label}: {', '.join(ids)}")
        for pid, title in self.withdrawn:
            out.append(f"  withdrawn: {pid} {title}")
        for pid, names in self.withdrawn_checked_in:
            out.append(f"warning: withdrawn paper {pid} has authors already checked in: {', '.join(names)}")
        out.append(
            f"people: {len(self.people_created)} created, {self.people_matched} matched, "
            f"{len(self.people_ambiguous)} ambiguous"
        )
        if self.people_ambiguous:
            out.append(
                f"  ambiguous (several people have the name and no e-mail decides; a new person was made; "
                f"`eventapp people merge ID ID` joins two): {', '.join(self.people_ambiguous)}"
            )
        if self.assumed_in_person:
            out.append(
                f"attendance not given: {self.assumed_in_person} new people assumed to come in person "
                "(the in-person rule's assumption; a people file with attendance corrects it)"
            )
        if self.dry_run:
            out.append("dry run: nothing was changed")
        return out


def file_digest(paths: list[str]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def who() -> str:
    return os.environ.get("SUDO_USER") or getpass.getuser()


def log_import(s: DbSession, kind: str, files: list[str], fmt: str, counts: dict, *, replace: bool = False) -> int:
    entry = ImportLog(
        kind=kind,
        file_name=", ".join(Path(f).name for f in files)[:300],
        file_sha256=file_digest(files),
        format=fmt[:200],
        by=who()[:100],
        replace=replace,
        counts=counts,
    )
    s.add(entry)
    s.flush()
    return entry.id


def _paper_state(s: DbSession, pid: str) -> tuple[str, str, list[int]] | None:
    paper = s.get(Paper, pid)
    if paper is None:
        return None
    authors = s.exec(select(Authorship.person_id).where(Authorship.paper_id == pid).order_by(Authorship.position))
    return paper.title, paper.format, list(authors)


def _ambiguous(s: DbSession, ref: PersonRef) -> bool:
    """No e-mail decides and a new person will be made beside one of the same name: several people have the
    name, or one has it under another e-mail (the same person twice, or two people: a person must say)."""
    if ref.email and s.exec(select(Person.id).where(Person.email == ref.email)).first() is not None:
        return False
    same = list(s.exec(select(Person.email).where(func.lower(Person.name) == ref.name.lower()).limit(2)))
    return len(same) > 1 or (len(same) == 1 and ref.email is not None and same[0] is not None)


def _tables_referring_to(column: str) -> list[tuple[Table, str]]:
    """(table, column) for every foreign key to `column` ("paper.id", "person.id") in every feature's models."""
    import_models()
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.target_fullname == column:
                found.append((table, fk.parent.name))
    return found


def _checked_in_names(s: DbSession, person_ids: list[int]) -> list[str]:
    checkin = SQLModel.metadata.tables.get("checkin")
    if checkin is None or not person_ids:
        return []
    query = (
        select(Person.name)
        .join(checkin, checkin.c.person_id == Person.id)
        .where(checkin.c.person_id.in_(person_ids), checkin.c.undone_at.is_(None))
    )
    return sorted({name for (name,) in s.execute(query)})


def _withdraw(s: DbSession, pid: str) -> tuple[str, list[str]]:
    """Take a paper out of the accepted papers; its slots stay as talks without a paper. Returns (title, authors
    already checked in)."""
    paper = s.get(Paper, pid)
    rows = s.exec(
        select(Authorship.person_id, Person.name)
        .join(Person, Person.id == Authorship.person_id)
        .where(Authorship.paper_id == pid)
        .order_by(Authorship.position)
    ).all()
    slot_ids = list(s.exec(select(Slot.id).where(Slot.paper_id == pid)))
    old = s.get(WithdrawnPaper, pid)
    if old is not None:
        s.delete(old)
        s.flush()
    s.add(
        WithdrawnPaper(
            id=pid,
            title=paper.title,
            format=paper.format,
            slot_ids=slot_ids,
            authors=[{"person_id": p, "name": n} for p, n in rows],
        )
    )
    checked_in = _checked_in_names(s, [p for p, _ in rows])
    for table, column in _tables_referring_to("paper.id"):
        if table.name == "slot":
            s.execute(update(table).where(table.c[column] == pid).values({column: None}))
        else:  # authorships, excuses: they belong to the accepted paper
            s.execute(table.delete().where(table.c[column] == pid))
    s.flush()
    s.delete(paper)
    s.flush()
    return paper.title, checked_in


def _restore_slots(s: DbSession, pid: str) -> None:
    """A withdrawn paper imported again: it leaves the withdrawn list and takes back its talks still without one."""
    old = s.get(WithdrawnPaper, pid)
    if old is None:
        return
    for slot_id in old.slot_ids:
        slot = s.get(Slot, slot_id)
        if slot is not None and slot.paper_id is None:
            slot.paper_id = pid
            s.add(slot)
    s.delete(old)
    s.flush()


def import_papers(read: PapersFile, *, replace: bool = False, dry_run: bool = False) -> PapersOutcome:
    """Apply an accepted-papers file in one transaction (rolled back for a dry run), logged unless a dry run."""
    outcome = PapersOutcome(read.format, skipped=read.skipped, warnings=list(read.warnings), dry_run=dry_run)
    try:
        with session_scope() as s:
            before_people = set(s.exec(select(Person.id)))
            in_file = {p.id for p in read.papers}
            outcome.people_ambiguous = sorted({a.name for p in read.papers for a in p.authors if _ambiguous(s, a)})
            states = {}
            for paper in read.papers:
                states[paper.id] = _paper_state(s, paper.id)
            if replace:
                for pid in sorted(set(s.exec(select(Paper.id))) - in_file):
                    title, checked_in = _withdraw(s, pid)
                    outcome.withdrawn.append((pid, title))
                    if checked_in:
                        outcome.withdrawn_checked_in.append((pid, checked_in))
            apply_papers(s, read.papers)
            for paper in read.papers:
                _restore_slots(s, paper.id)
                after = _paper_state(s, paper.id)
                if states[paper.id] is None:
                    outcome.added.append(paper.id)
                elif states[paper.id] != after:
                    outcome.updated.append(paper.id)
                else:
                    outcome.unchanged.append(paper.id)
            author_ids = set(s.exec(select(Authorship.person_id).where(Authorship.paper_id.in_(in_file))))
            created = author_ids - before_people
            for person in s.exec(select(Person).where(Person.id.in_(created))):
                outcome.people_created.append(person.name)
                if person.attendance == "none":  # the file says nothing: the in-person rule's assumption
                    person.attendance = "in_person"
                    s.add(person)
                    outcome.assumed_in_person += 1
            outcome.people_matched = len(author_ids - created)
            if dry_run:
                raise _DryRun
            outcome.log_id = log_import(
                s,
                "papers",
                read.files,
                read.format,
                {
                    "added": len(outcome.added),
                    "updated": len(outcome.updated),
                    "unchanged": len(outcome.unchanged),
                    "withdrawn": [pid for pid, _ in outcome.withdrawn],
                    "skipped": dict(read.skipped),
                    "people_created": len(outcome.people_created),
                    "people_matched": outcome.people_matched,
                    "people_ambiguous": len(outcome.people_ambiguous),
                    "assumed_in_person": outcome.assumed_in_person,
                },
                replace=replace,
            )
            s.execute(update(WithdrawnPaper).where(WithdrawnPaper.import_id.is_(None)).values(import_id=outcome.log_id))
    except _DryRun:
        pass
    return outcome


# --- merging people -------------------------------------------------------------------------------------


def merge_people(keep_id: int, other_id: int) -> list[str]:
    """Fold person `other_id` into `keep_id`: authorships, check-ins, badges, chairs, presenters move over; the
    kept person takes the other's e-mail and affiliation where it has none. Returns what was done."""
    if keep_id == other_id:
        raise ApiError(400, "same_person", "Give two different people.")
    notes = []
    with session_scope() as s:
        keep, other = s.get(Person, keep_id), s.get(Person, other_id)
        for pid, person in ((keep_id, keep), (other_id, other)):
            if person is None:
                raise ApiError(404, "not_found", f"No person with id {pid}.")
        checkin = SQLModel.metadata.tables.get("checkin")
        for table, column in _tables_referring_to("person.id"):
            col = table.c[column]
            if table.name == "authorship":  # one person once per paper
                shared = select(Authorship.paper_id).where(Authorship.person_id == keep_id)
                s.execute(table.delete().where(col == other_id, table.c.paper_id.in_(shared)))
            elif checkin is not None and table is checkin:  # one active check-in per person: keep the first
                active = s.execute(
                    select(checkin.c.id, checkin.c.person_id)
                    .where(checkin.c.person_id.in_([keep_id, other_id]), checkin.c.undone_at.is_(None))
                    .order_by(checkin.c.created_at)
                ).all()
                for row in active[1:]:
                    s.execute(
                        update(checkin)
                        .where(checkin.c.id == row.id)
                        .values(undone_at=utcnow(), undo_reason=f"merged person {other_id} into {keep_id}")
                    )
                    notes.append(f"a second check-in (#{row.id}) was undone: one person, one check-in")
            elif col.primary_key:  # e.g. the badge version: the kept person's badge stays valid
                s.execute(table.delete().where(col == other_id))
                continue
            s.execute(update(table).where(col == other_id).values({column: keep_id}))
        email = other.email
        other_name = other.name
        keep.affiliation = keep.affiliation or other.affiliation
        if keep.attendance == "none" or other.attendance == "in_person":
            keep.attendance = other.attendance if other.attendance != "none" else keep.attendance
        keep.is_organizer = keep.is_organizer or other.is_organizer
        s.delete(other)
        s.flush()
        if keep.email is None and email:
            keep.email = email
        s.add(keep)
        notes.insert(0, f"merged #{other_id} {other_name} into #{keep_id} {keep.name}")
        notes.append(f"#{other_id}'s badge no longer scans: print #{keep_id}'s if #{other_id}'s was handed out")
        log_entry = ImportLog(
            kind="merge", file_name="", file_sha256="", by=who()[:100], counts={"kept": keep_id, "merged": other_id}
        )
        s.add(log_entry)
    return notes
