"""The day's program: event, rooms, sessions, slots, papers, people and authorships.

Rooms, sessions, slots and papers keep the ids of the imported files (stable across re-imports and readable
in URLs: /rooms/main/stage). People get a number: two people may share a name, so identity is the id.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..db import UTCDateTime, utcnow

SLOT_KINDS = ("keynote", "paper", "break", "opening", "closing", "panel", "other")
ATTENDANCE = ("in_person", "online", "none")  # "none": an author who has not registered
MODES = ("in_person", "remote")


class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    short_name: str = Field(default="", max_length=80)
    host: str = Field(default="", max_length=300)  # e.g. the conference it is part of
    date: date
    timezone: str = Field(max_length=64)
    in_person_rule: bool = True  # each accepted paper needs an author present in person
    rule_text: str = Field(default="", max_length=500)
    # Demo data (times, room, chairs, attendees) is made up; every page that shows it says so.
    synthetic: bool = False
    synthetic_note: str = Field(default="", max_length=500)


class Room(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    stream_url: str = Field(default="", max_length=500)  # for remote viewers
    position: int = 0


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)  # as shown: "Hao Chen"
    sort_name: str = Field(default="", max_length=200)  # as listed: "Chen, Hao"
    email: str | None = Field(default=None, max_length=254, unique=True)  # lower-case; the import key
    affiliation: str = Field(default="", max_length=300)
    attendance: str = Field(default="none", max_length=12)  # one of ATTENDANCE
    is_organizer: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Session(SQLModel, table=True):
    __tablename__ = "program_session"  # "session" is a word SQL and SQLAlchemy both use
    id: str = Field(primary_key=True, max_length=64)
    room_id: str = Field(foreign_key="room.id", index=True, max_length=64)
    title: str = Field(max_length=300)
    chair_person_id: int | None = Field(default=None, foreign_key="person.id")
    position: int = 0


class Paper(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=500)
    format: str = Field(default="", max_length=40)  # "long oral", "short oral", "poster"


class Authorship(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("paper_id", "person_id"),)
    paper_id: str = Field(foreign_key="paper.id", primary_key=True, max_length=64)
    position: int = Field(primary_key=True)  # 0 = first author
    person_id: int = Field(foreign_key="person.id", index=True)
    contact: bool = False  # the conference tool's contact author (CMT's `*`, EasyChair's `corresponding?`)


class Slot(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    session_id: str = Field(foreign_key="program_session.id", index=True, max_length=64)
    position: int = 0
    kind: str = Field(max_length=20)  # one of SLOT_KINDS, or another plain word
    title: str = Field(max_length=500)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    talk_seconds: int  # the talk (or the whole break)
    qa_seconds: int = 0
    paper_id: str | None = Field(default=None, foreign_key="paper.id", index=True, max_length=64)
    presenter_person_id: int | None = Field(default=None, foreign_key="person.id")
    mode: str = Field(default="in_person", max_length=12)  # one of MODES
    # A slot whose start is fixed (lunch ends at 13:30): the delay of the day stops at it.
    fixed_start: bool = False
    note: str = Field(default="", max_length=500)


class ProgramNote(SQLModel, table=True):
    __tablename__ = "program_note"
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=1000)
    slot_id: str | None = Field(default=None, foreign_key="slot.id", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WithdrawnPaper(SQLModel, table=True):
    """A paper an import with --replace took out of the accepted papers. It leaves the Paper table (so the program,
    coverage, badges and the report no longer see it); this row keeps what it was, and a re-import brings it back."""

    __tablename__ = "withdrawn_paper"
    id: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=500)
    format: str = Field(default="", max_length=40)
    authors: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # person_id, name
    slot_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # talks left paperless
    withdrawn_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    import_id: int | None = Field(default=None, foreign_key="import_log.id")


class ImportLog(SQLModel, table=True):
    """Every import applied: who ran it, when, the file's SHA-256 and what changed."""

    __tablename__ = "import_log"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # papers | people | program
    file_name: str = Field(max_length=300)
    file_sha256: str = Field(max_length=64)
    format: str = Field(default="", max_length=200)
    by: str = Field(default="", max_length=100)  # the system user who ran the command
    replace: bool = False
    counts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
