"""After the event: questions keep their text and counts; who asked and who voted go."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session as DbSession

from .models import QaMute, Question, Vote


def purge(s: DbSession) -> dict[str, int]:
    votes = s.execute(delete(Vote)).rowcount  # the counts stay on the questions
    s.execute(delete(QaMute))
    questions = s.execute(update(Question).values(voter_id="", name="")).rowcount
    return {"votes (counts kept)": votes, "questions made anonymous": questions}
