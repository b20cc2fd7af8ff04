"""Report tables: organizers' overrides of a paper's status, the log of report acts, and the record kept at purge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ..db import UTCDateTime, utcnow


class ReportOverride(SQLModel, table=True):
    """An organizer's word on a paper's status (a talk given in another session, say), with the reason."""

    __tablename__ = "report_override"
    # No foreign key: a paper withdrawn by an import leaves the Paper table, and its override must not stop that.
    paper_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=24)
    reason: str = Field(max_length=500)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    by_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportLog(SQLModel, table=True):
    """Every report generated, certificate made and status overridden: who, when, what."""

    __tablename__ = "report_log"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    action: str = Field(max_length=20)  # report | override | certificate | purge
    subject: str = Field(default="", max_length=200)  # "json", "paper S6 -> excused", "person 12 attendance"
    detail: str = Field(default="", max_length=500)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    by_name: str = Field(default="", max_length=200)


class ReportKept(SQLModel, table=True):
    """The record as it stood at `eventapp purge`, without people: per paper status, times and counts."""

    __tablename__ = "report_kept"
    id: int = Field(default=1, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
