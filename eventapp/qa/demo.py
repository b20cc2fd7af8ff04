"""Demo questions on the first talks: made up (the event says its demo data is synthetic), plausible and polite."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session as DbSession
from sqlmodel import select

from ..program.models import Event, Slot
from .models import Question, Vote

# (slot id, text, name, origin, status, voters)
QUESTIONS = [
    (
        "keynote-1",
        "How do you see trustworthiness being audited once a model is deployed in a hospital?",
        "",
        "room",
        "visible",
        7,
    ),
    (
        "keynote-1",
        "Which evaluation would convince a clinician more: a prospective study or an external test set?",
        "Mina",
        "online",
        "visible",
        4,
    ),
    (
        "keynote-1",
        "Could you say more about who should be accountable when an AI-assisted diagnosis is wrong?",
        "",
        "room",
        "answered",
        9,
    ),
    ("keynote-1", "Are the slides going to be shared after the talk?", "Jun", "room", "pending", 0),
    ("talk-L1", "How sensitive are the results to the choice of the calibration set?", "", "room", "visible", 3),
    ("talk-L1", "Did you compare against a simple logistic regression baseline?", "Sara", "online", "visible", 2),
]


def seed(s: DbSession, day: date) -> None:  # noqa: ARG001 (times follow the slots)
    event = s.exec(select(Event)).first()
    if event is None or not event.synthetic:
        return  # made-up questions only ever go into a database labelled as demo data
    for n, (slot_id, text, name, origin, status, voters) in enumerate(QUESTIONS):
        slot = s.get(Slot, slot_id)
        if slot is None:
            continue
        asked = slot.starts_at + timedelta(minutes=5 + n)
        q = Question(
            slot_id=slot_id,
            voter_id=f"demo-asker-{n:04d}",
            text=text,
            name=name,
            origin=origin,
            status=status,
            votes=voters,
            created_at=asked,
            updated_at=asked,
            answered_at=asked + timedelta(minutes=20) if status == "answered" else None,
        )
        s.add(q)
        s.flush()
        for v in range(voters):
            s.add(Vote(question_id=q.id, voter_id=f"demo-voter-{v:04d}", created_at=asked + timedelta(seconds=30 + v)))
    s.flush()
