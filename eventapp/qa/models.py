"""Q&A tables: questions, votes (unique per question and voter), per-session settings, boards, mutes, words."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ..db import UTCDateTime, utcnow


class Question(SQLModel, table=True):
    __tablename__ = "qa_question"
    id: int | None = Field(default=None, primary_key=True)
    slot_id: str = Field(foreign_key="slot.id", index=True, max_length=64)
    voter_id: str = Field(index=True, max_length=64)
    text: str = Field(max_length=500)
    original_text: str | None = Field(default=None, max_length=500)  # the asker's words, kept after an edit
    name: str = Field(default="", max_length=60)
    origin: str = Field(default="room", max_length=10)  # room | online
    status: str = Field(default="visible", max_length=10, index=True)  # pending | visible | answered | hidden
    highlighted: bool = False
    starred: bool = False  # private to moderators
    flagged: bool = False  # the word list matched: sent to the queue
    votes: int = 0  # counted votes, updated in SQL only
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Vote(SQLModel, table=True):
    """One row per (question, voter): the primary key makes a second vote impossible."""

    __tablename__ = "qa_vote"
    question_id: int = Field(foreign_key="qa_question.id", primary_key=True)
    voter_id: str = Field(primary_key=True, max_length=64, index=True)
    counted: bool = True  # a shadow-muted voter's votes stay recorded but count for nothing
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QaSessionSettings(SQLModel, table=True):
    __tablename__ = "qa_session_settings"
    session_id: str = Field(foreign_key="program_session.id", primary_key=True, max_length=64)
    premoderation: bool = False


class QaBoard(SQLModel, table=True):
    """A slot's board, once a moderator has closed (or reopened) it. No row: open."""

    __tablename__ = "qa_board"
    slot_id: str = Field(foreign_key="slot.id", primary_key=True, max_length=64)
    closed: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QaMute(SQLModel, table=True):
    """A shadow-muted voter: their questions vanish for everyone else and their votes count for nothing."""

    __tablename__ = "qa_mute"
    voter_id: str = Field(primary_key=True, max_length=64)
    muted_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QaWordList(SQLModel, table=True):
    """The event's word list (one row): a question containing one of them waits for a moderator."""

    __tablename__ = "qa_word_list"
    id: int = Field(default=1, primary_key=True)
    words: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
