"""After the event: the last message shown to a speaker goes; times and commands stay (they hold no person)."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session as DbSession

from .models import TimerRow


def purge(s: DbSession) -> dict[str, int]:
    return {"speaker messages": s.execute(update(TimerRow).values(message_text="", message_flash=False)).rowcount}
