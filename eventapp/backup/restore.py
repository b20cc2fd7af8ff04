"""`eventapp restore FILE`: put a backup in place as the configured SQLite database.

In order, so that a refusal changes nothing: no server may hold the database (serve_lock); the backup is copied
beside the database and checked (a SQLite database, integrity, an eventapp schema this version knows), then
migrated forward on that copy (the backup file itself is never changed); the database it replaces, with its -wal
and -shm, is renamed to `<name>.replaced-<UTC time>`; the checked copy takes the database's name.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

from .. import db, migrate
from ..paths import resource_dir
from . import serve_lock, snapshot


class CannotRestore(Exception):
    pass


@dataclass(frozen=True)
class Restored:
    database: Path
    contents: snapshot.Contents
    from_revision: str
    replaced: Path | None  # where the database it replaced is kept (None: there was none)


def known_revisions() -> tuple[list[str], str]:
    """Every migration revision this version of eventapp has, and the head."""
    script = ScriptDirectory(str(resource_dir("migrations")))
    return [r.revision for r in script.walk_revisions()], script.get_current_head()


def restore(backup: Path, database: Path) -> Restored:
    if not backup.is_file():
        raise CannotRestore(f"{backup}: no such file.")
    if backup.resolve() == database.resolve():
        raise CannotRestore(f"{backup} is the configured database itself: name a backup file.")
    database.parent.mkdir(parents=True, exist_ok=True)
    lock = serve_lock.exclusive(database)  # raises DatabaseInUse
    incoming = database.with_name(f".{database.name}.restoring-{os.getpid()}")
    try:
        try:
            snapshot.online_copy(backup, incoming)  # copies and checks integrity
        except snapshot.NotADatabase as exc:
            raise CannotRestore(str(exc)) from exc
        from_revision = _check_schema(backup, snapshot.inspect(incoming).revision)
        try:
            _migrate(incoming)
        except Exception as exc:  # a migration that fails on this data: say so, change nothing
            raise CannotRestore(f"{backup} could not be migrated from schema {from_revision}: {exc}") from exc
        contents = snapshot.inspect(incoming)
        replaced = _keep_replaced(database)
        os.replace(incoming, database)
        snapshot.fsync(database.parent)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):  # what is left of a copy that was refused
            incoming.with_name(incoming.name + suffix).unlink(missing_ok=True)
        os.close(lock)
    return Restored(database, contents, from_revision, replaced)


def _check_schema(backup: Path, revision: str | None) -> str:
    revisions, _head = known_revisions()
    if revision is None:
        raise CannotRestore(f"{backup} is a SQLite database but not an eventapp one (it has no schema version).")
    if revision not in revisions:
        raise CannotRestore(
            f"{backup} was written by another version of eventapp (schema {revision}, unknown to this one): "
            "install the version that wrote it, or a newer one."
        )
    return revision


def _migrate(path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    # The app's connections turned the copy to WAL: fold the log back in, so the file alone is the database.
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _keep_replaced(database: Path) -> Path | None:
    """Rename the database and its sidecars together (a -wal holds committed writes not yet in the file)."""
    if not database.exists():
        return None
    kept = snapshot.free_name(database.parent, f"{database.name}.replaced-{snapshot.now_stamp()}", "")
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = database.with_name(database.name + suffix)
        if part.exists():
            os.replace(part, kept.with_name(kept.name + suffix))
    return kept
