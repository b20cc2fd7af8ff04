"""Timer tables: the state of each room's timer, recent command ids (idempotency), actual segment times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..db import UTCDateTime, utcnow


class TimerRow(SQLModel, table=True):
    """One row per room, rewritten on every change: a restart (even kill -9) resumes the same deadline."""

    __tablename__ = "timer_state"
    room_id: str = Field(foreign_key="room.id", primary_key=True, max_length=64)
    slot_id: str | None = Field(default=None, max_length=64)  # the slot the clock is on (readable; index below)
    # clock.TimerState.to_dict(): slot index, segment, state, ends_at_ms, remaining_ms, revision, undo.
    clock: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    revision: int = 0
    message_text: str = Field(default="", max_length=200)
    message_flash: bool = False
    message_at_ms: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    last_command_id: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TimerCommand(SQLModel, table=True):
    """Command ids seen per room (recent ones kept): the same id twice applies once."""

    __tablename__ = "timer_command"
    __table_args__ = (UniqueConstraint("room_id", "command_id"),)
    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(foreign_key="room.id", max_length=64, index=True)
    command_id: str = Field(max_length=64)
    action: str = Field(max_length=20)
    staff_id: int | None = None
    revision: int = 0  # the revision the command produced
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TimerSegment(SQLModel, table=True):
    """Actual start and end of each slot's talk and Q&A segments, as the timer ran them."""

    __tablename__ = "timer_segment"
    room_id: str = Field(foreign_key="room.id", primary_key=True, max_length=64)
    slot_id: str = Field(primary_key=True, max_length=64)
    segment: str = Field(primary_key=True, max_length=8)  # talk | qa
    started_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    ended_at_ms: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
