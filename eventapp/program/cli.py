"""`eventapp people merge KEEP OTHER`: two people who are one (an import made a second); `eventapp export imports`:
the import log."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    export = group.commands.get("export")
    if isinstance(export, click.Group):

        @export.command("imports")
        def export_imports() -> None:
            """The import log as JSON lines: who imported which file (SHA-256) when, and what changed."""
            import json

            from sqlmodel import select

            from ..cli import app_context
            from ..db import session_scope
            from .models import ImportLog

            with app_context(), session_scope() as s:
                rows = list(s.exec(select(ImportLog).order_by(ImportLog.id)))
            for r in rows:
                click.echo(
                    json.dumps(
                        {
                            "id": r.id,
                            "at": r.created_at.isoformat(),
                            "by": r.by,
                            "kind": r.kind,
                            "file": r.file_name,
                            "sha256": r.file_sha256,
                            "format": r.format,
                            "replace": r.replace,
                            "counts": r.counts,
                        },
                        ensure_ascii=False,
                    )
                )

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
