"""`eventapp export questions`: a slot's or the whole day's questions as CSV or JSON, or those not reached."""

from __future__ import annotations

import json
from pathlib import Path

import click


def register(group: click.Group) -> None:
    export = group.commands["export"]

    @export.command("questions")
    @click.option("--slot", "slot_id", default=None, help="One slot's board (default: the whole day).")
    @click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
    @click.option("--unanswered", is_flag=True, help="Only the open questions not reached (for the speaker).")
    @click.option("--out", type=click.Path(path_type=Path), default=None, help="File to write (default: stdout).")
    def export_questions(slot_id: str | None, fmt: str, unanswered: bool, out: Path | None) -> None:
        """Questions with status, votes, names and moderation marks (voters as short pseudonyms)."""
        from ..cli import app_context, fail
        from ..errors import ApiError
        from .exports import export_rows, to_csv

        with app_context():
            try:
                rows = export_rows(slot_id, unanswered)
            except ApiError as err:
                fail(err.message)
                return
        text = json.dumps({"questions": rows}, indent=1, ensure_ascii=False) if fmt == "json" else to_csv(rows)
        if out is None:
            click.echo(text, nl=fmt == "json")
        else:
            out.write_text(text, encoding="utf-8")
            click.echo(f"wrote {len(rows)} questions to {out}", err=True)
