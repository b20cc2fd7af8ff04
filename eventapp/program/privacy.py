"""After the event: people keep only what the public program shows."""

from __future__ import annotations

from sqlalchemy import String, cast, select, union, update
from sqlmodel import Session as DbSession

from .models import Authorship, Person, Slot, WithdrawnPaper
from .models import Session as ProgramSession


def purge(s: DbSession) -> dict[str, int]:
    """E-mails go; attendees who are not on the program (authors, speakers, chairs, organizers) lose their name
    and affiliation and become "Attendee <id>"."""
    public = union(
        select(Authorship.person_id),
        select(Slot.presenter_person_id).where(Slot.presenter_person_id.is_not(None)),
        select(ProgramSession.chair_person_id).where(ProgramSession.chair_person_id.is_not(None)),
    )
    emails = s.execute(update(Person).where(Person.email.is_not(None)).values(email=None)).rowcount
    private = s.execute(
        update(Person)
        .where(Person.id.not_in(public), Person.is_organizer.is_(False))
        .values(name="Attendee " + cast(Person.id, String), sort_name="", affiliation="")
    ).rowcount
    withdrawn = s.execute(update(WithdrawnPaper).values(authors=[])).rowcount  # their names are not public
    return {
        "e-mail addresses": emails,
        "attendees made anonymous": private,
        "withdrawn papers' author lists": withdrawn,
    }
