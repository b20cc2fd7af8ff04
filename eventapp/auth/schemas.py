"""auth's answer shapes (see eventapp/schemas.py): who the caller is, for GET /api/v1/me."""

from __future__ import annotations

from pydantic import Field

from ..schemas import Answer


class Me(Answer):
    """The signed-in staff member: who, with which role, on which device, and what their role covers."""

    id: int = Field(description="the staff member's id")
    name: str
    role: str = Field(description="organizer, chair, moderator or volunteer")
    device: str = Field(description="the device name the token was issued for, or empty")
    room_ids: list[str] = Field(description="a chair's rooms (empty: every room)")
    session_ids: list[str] = Field(description="a moderator's sessions")
