"""`eventapp backup [--out FILE]` and `eventapp restore FILE` (SQLite; PostgreSQL: pg_dump / pg_restore)."""

from __future__ import annotations

import os
from pathlib import Path

import click

POSTGRES_ADVICE = (
    "The configured database is not a SQLite file, so eventapp does not copy it itself: use the database's own "
    "tools. For PostgreSQL: pg_dump --format=custom --file=eventapp.dump DATABASE to back up, and pg_restore "
    "--clean --if-exists --dbname=DATABASE eventapp.dump to restore (docs/deploy.md, 'Backups')."
)


def _database() -> Path:
    from ..config import load_settings
    from .serve_lock import sqlite_path

    path = sqlite_path(load_settings()["DATABASE_URL"])
    if path is None:
        raise click.ClickException(POSTGRES_ADVICE)
    return path


def register(group: click.Group) -> None:
    @group.command()
    @click.option(
        "--out",
        "out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="The file to write (default: one named by the time in EVENTAPP_BACKUP_DIR).",
    )
    def backup(out: Path | None) -> None:
        """A consistent copy of the SQLite database, safe while `eventapp serve` runs."""
        from ..config import load_settings
        from . import periodic, snapshot

        database = _database()
        if not database.is_file():
            raise click.ClickException(f"There is no database at {database} yet: nothing to back up.")
        if out is None:
            directory = Path(load_settings()["BACKUP_DIR"])
            directory.mkdir(parents=True, exist_ok=True)
            out = snapshot.free_name(directory, periodic.PREFIX + snapshot.now_stamp(), periodic.SUFFIX)
        elif out.resolve() in {database.with_name(database.name + s) for s in ("", "-wal", "-shm", ".lock")}:
            raise click.ClickException(f"{out} is the live database itself: name another file.")
        elif not out.resolve().parent.is_dir():
            raise click.ClickException(f"The folder {out.resolve().parent} does not exist.")
        try:
            contents = snapshot.online_copy(database, out)
        except (snapshot.NotADatabase, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"backup written to {out}: {contents.summary()} (integrity check: ok)")
        if not os.environ.get("EVENTAPP_SECRET_KEY"):
            key = Path(load_settings()["INSTANCE_PATH"]) / "secret_key"
            click.echo(f"keep a copy of {key} with the backups: badges are signed with it")

    @group.command()
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def restore(file: Path) -> None:
        """Put a backup in place as the configured database (the replaced one is kept beside it)."""
        from . import restore as restoring
        from .serve_lock import DatabaseInUse

        database = _database()
        try:
            done = restoring.restore(file, database)
        except (restoring.CannotRestore, DatabaseInUse, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
        _revs, head = restoring.known_revisions()
        click.echo(f"restored {file} as {done.database}: {done.contents.summary()} (integrity check: ok)")
        if done.from_revision != head:
            click.echo(f"the backup's schema was migrated forward from {done.from_revision} to {head}")
        if done.replaced is not None:
            click.echo(f"the database it replaced is kept as {done.replaced}")
        click.echo("start the server with `eventapp serve`; phones sign in again with new links if its address changed")
