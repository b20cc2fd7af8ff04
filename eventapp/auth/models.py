"""Staff accounts, their tokens and one-time sign-in links (the tables), and `Principal`: who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ..db import UTCDateTime, utcnow

ROLES = ("organizer", "chair", "moderator", "volunteer")


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20, index=True)
    # A chair's rooms, a moderator's sessions; empty for "all" (chair) or unused (other roles).
    room_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    session_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthToken(SQLModel, table=True):
    __tablename__ = "auth_token"
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=10)  # "api" (printed by the CLI) or "session" (a signed-in browser)
    label: str = Field(default="", max_length=80)  # the device's name, e.g. "Door 2"
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginLink(SQLModel, table=True):
    __tablename__ = "login_link"
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- who is asking --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who makes a request or owns a socket. Audience members have no staff id."""

    role: str  # one of ROLES, or "audience"
    name: str = ""
    staff_id: int | None = None
    token_id: int | None = None
    device: str = ""
    room_ids: tuple[str, ...] = ()
    session_ids: tuple[str, ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None

    def has_role(self, *roles: str) -> bool:
        """Organizers may do everything staff may do."""
        return self.is_staff and (self.role == "organizer" or self.role in roles)

    def can_chair_room(self, room_id: str) -> bool:
        if self.role == "organizer":
            return True
        return self.role == "chair" and (not self.room_ids or room_id in self.room_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.staff_id,
            "name": self.name,
            "role": self.role,
            "device": self.device,
            "room_ids": list(self.room_ids),
            "session_ids": list(self.session_ids),
        }


AUDIENCE = Principal(role="audience")
