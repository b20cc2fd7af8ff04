"""`eventapp people merge KEEP OTHER`: two people who are one (an import made a second)."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    @group.group()
    def people() -> None:
        """People: authors, attendees, organizers."""

    @people.command("merge")
    @click.argument("keep_id", type=int)
    @click.argument("other_id", type=int)
    def merge(keep_id: int, other_id: int) -> None:
        """Fold person OTHER_ID into KEEP_ID: papers, check-ins and roles move over, OTHER_ID is removed."""
        from ..cli import app_context, fail
        from ..errors import ApiError
        from .importing.apply import merge_people
        from .service import publish_program

        with app_context():
            try:
                notes = merge_people(keep_id, other_id)
            except ApiError as err:
                fail(err.message)
            publish_program()
        for note in notes:
            click.echo(note)
