"""Check-in tables: badge versions, check-ins (one active per person, enforced by a unique index), the
append-only scan log, excuses, and the audit log of organizers' acts (excuse, undo, reissue, walk-in)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from ..db import UTCDateTime, utcnow


class BadgeVersion(SQLModel, table=True):
    """A reissued badge: codes of lower versions read as revoked. No row means version 1."""

    __tablename__ = "badge_version"
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    version: int = 1
    reissued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CheckIn(SQLModel, table=True):
    """A person's arrival. At most one active (not undone) row per person: the database decides the race."""

    __tablename__ = "checkin"
    __table_args__ = (
        Index(
            "uq_checkin_active_person",
            "person_id",
            unique=True,
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # when the server recorded it
    scanned_at: datetime = Field(sa_type=UTCDateTime)  # when the phone scanned it (differs for offline scans)
    device: str = Field(default="", max_length=80)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    nonce: str = Field(max_length=64)
    method: str = Field(default="scan", max_length=10)  # scan | manual | walkin | demo
    offline: bool = False
    in_person: bool = True  # a door scan is always in person; only these count for coverage
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    undone_by: int | None = Field(default=None, foreign_key="staff.id")
    undo_reason: str = Field(default="", max_length=500)


class ScanLog(SQLModel, table=True):
    """Every scan, in order, never edited: ok, already (a repeat or a duplicate from another phone), refused."""

    __tablename__ = "scan_log"
    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(max_length=64, unique=True)  # the client's id for the scan: a retry replays the answer
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    scanned_at: datetime = Field(sa_type=UTCDateTime)
    device: str = Field(default="", max_length=80)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    checkin_id: int | None = Field(default=None, foreign_key="checkin.id")
    result: str = Field(max_length=10)  # ok | already | refused
    error: str = Field(default="", max_length=40)  # the refusal's code
    raw: str = Field(default="", max_length=80)  # refused scans only, truncated
    method: str = Field(default="scan", max_length=10)
    offline: bool = False
    status: int = 201  # the HTTP status answered, replayed for the same nonce


class PaperExcuse(SQLModel, table=True):
    __tablename__ = "paper_excuse"
    paper_id: str = Field(foreign_key="paper.id", primary_key=True, max_length=64)
    reason: str = Field(max_length=500)
    by_name: str = Field(max_length=200)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CheckinAudit(SQLModel, table=True):
    """Organizers' acts with their reasons: excuse, unexcuse, undo, reissue, walkin."""

    __tablename__ = "checkin_audit"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    action: str = Field(max_length=20)
    subject: str = Field(max_length=80)  # "paper S6", "person 12", "checkin 3"
    reason: str = Field(default="", max_length=500)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    by_name: str = Field(default="", max_length=200)
