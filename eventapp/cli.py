"""The `eventapp` command: demo, serve, db, staff, import, export, docs (features add their own commands)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from flask import Flask

from . import apidoc, auth, create_app, db, features, migrate, realtime
from .errors import ApiError
from .paths import PACKAGE_DIR
from .program import importing, service
from .program.demo import ROOM_ID
from .program.importing.apply import import_papers, log_import
from .templating import longdate
from .tls.serving import https_options, planned

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


@click.group()
def main() -> None:
    """eventapp: runs the day of a hybrid workshop (check-in, session timer, live Q&A)."""


@contextmanager
def app_context(database_url: str | None = None) -> Iterator[Flask]:
    overrides = {"DATABASE_URL": database_url} if database_url else None
    app = create_app(overrides)
    with app.app_context():
        yield app


def fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


# --- serving --------------------------------------------------------------------------------------------


def _serve(host: str, port: int, database_url: str | None) -> None:
    """Replace this process with gunicorn running the gevent worker (production settings)."""
    env = dict(os.environ)
    if database_url:
        env["EVENTAPP_DATABASE_URL"] = database_url
    env.setdefault("EVENTAPP_BASE_URL", f"http://{host}:{port}")
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(PACKAGE_DIR / "gunicorn_conf.py"),
        "--bind",
        f"{host}:{port}",
        *planned().gunicorn_args,
        "eventapp.wsgi:app",
    ]
    sys.stdout.flush()
    os.execvpe(argv[0], argv, env)


def _base_url(host: str, port: int) -> None:
    os.environ.setdefault("EVENTAPP_BASE_URL", f"http://{host}:{port}")


@main.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@https_options
def serve(host: str, port: int) -> None:
    """Serve the configured database in production mode (gunicorn, gevent), after applying migrations."""
    _base_url(host, port)
    from .config import load_settings

    migrate.upgrade_if_behind(load_settings()["DATABASE_URL"])  # no app built here: the worker builds its own
    _serve(host, port, None)


def _parse_day(value: str, timezone: str) -> tuple[date, timedelta]:
    """(the day, a shift of every slot): `live` places the day so that a paper talk is on now (see
    program/demo.live_placement), `today` keeps the planned times on today's date, YYYY-MM-DD a fixed day."""
    if value == "live":
        from .program.demo import live_placement

        return live_placement(datetime.now(UTC), timezone)
    if value == "today":
        from .program.schedule import zone

        return datetime.now(zone(timezone)).date(), timedelta(0)
    try:
        return date.fromisoformat(value), timedelta(0)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD, 'today' or 'live'") from exc


def _shift_text(shift: timedelta) -> str:
    minutes = round(shift.total_seconds() / 60)
    if not minutes:
        return "the planned times already have a talk on now"
    hours, rest = divmod(abs(minutes), 60)
    return f"the day is shifted {hours} h {rest:02d} min {'later' if minutes > 0 else 'earlier'}"


@main.command()
@click.option("--db", "database_url", default=None, help="Database URL (default: SQLite under instance/).")
@click.option(
    "--date",
    "day",
    default="live",
    show_default=True,
    help="live: shift the day so that a talk is on now; today: planned times today; YYYY-MM-DD: that day "
    "(2024-08-04 is the real one).",
)
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load and print the links, then exit.")
@https_options
def demo(database_url: str | None, day: str, host: str, port: int, no_serve: bool) -> None:
    """Load the TAI4H 2024 demo (replacing what the database held), print a link per role, and serve."""
    from .program.demo import public_facts

    the_day, shift = _parse_day(day, public_facts()["event"]["timezone"])
    _base_url(host, port)
    with app_context(database_url) as app:
        migrate.upgrade()
        with db.session_scope() as s:
            db.delete_all_rows(s)
            for module in features.import_modules("demo"):
                module.seed(s, the_day)
                if module.__name__.endswith(".program.demo"):  # first: the others' data follow the slots
                    module.shift_day(s, shift)
        organizer = auth.add_staff("Demo organizer", "organizer")
        volunteer = auth.add_staff("Demo volunteer (Door 1)", "volunteer")
        chair = auth.add_staff("Demo chair (synthetic)", "chair", room_ids=[ROOM_ID])
        base = app.config["BASE_URL"]
        event = service.load_event()
        click.echo(f"{event.short_name or event.name} demo loaded for {longdate(the_day)} ({event.timezone}).")
        if day == "live":
            click.echo(f"Live: {_shift_text(shift)}, so that a talk is on now (--date today keeps the plan).")
        click.echo("Times, room, chairs, presenters and attendees are synthetic; papers and people are real.\n")
        rows = [
            ("organizer", auth.issue_login_link(organizer.id)),
            ("volunteer", auth.issue_login_link(volunteer.id)),
            ("chair", auth.issue_login_link(chair.id)),
            ("stage screen", f"{base}/rooms/{ROOM_ID}/stage"),
            ("audience", f"{base}/rooms/{ROOM_ID}/qa"),
            ("program", f"{base}/program"),
        ]
        for label, url in rows:
            click.echo(f"  {label:<13} {url}")
        click.echo("\nSign-in links work once each; `eventapp staff link ID` makes a new one.")
    if not no_serve:
        click.echo(f"Serving on {planned().scheme}://{host}:{port} (Ctrl+C stops).")
        _serve(host, port, database_url)


# --- database -------------------------------------------------------------------------------------------


@main.group(name="db")
def db_group() -> None:
    """Database schema."""


@db_group.command()
def upgrade() -> None:
    """Apply every migration to the configured database."""
    with app_context():
        migrate.upgrade()
    click.echo("database is up to date")


# --- staff ----------------------------------------------------------------------------------------------


@main.group()
def staff() -> None:
    """Staff accounts: organizers, chairs, moderators, volunteers."""


@staff.command("add")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(auth.ROLES))
@click.option("--room", "rooms", multiple=True, help="A room the chair runs (repeatable; none: all rooms).")
@click.option("--session", "sessions", multiple=True, help="A session a moderator moderates (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def staff_add(name: str, role: str, rooms: tuple[str, ...], sessions: tuple[str, ...], as_json: bool) -> None:
    """Add a staff member; prints a one-time login link and an API token."""
    with app_context():
        known = {r.id for r in service.list_rooms()}
        unknown = [r for r in rooms if r not in known]
        if unknown:
            fail(f"unknown room: {', '.join(unknown)} (rooms: {', '.join(sorted(known)) or 'none loaded'})")
        try:
            member = auth.add_staff(name, role, list(rooms), list(sessions))
        except ApiError as err:
            fail(err.message)
        token = auth.issue_api_token(member.id, label="cli")
        link = auth.issue_login_link(member.id)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "id": member.id,
                    "name": member.name,
                    "role": member.role,
                    "room_ids": list(rooms),
                    "session_ids": list(sessions),
                    "token": token,
                    "login_url": link,
                }
            )
        )
    else:
        click.echo(f"staff #{member.id} {member.name} ({member.role})")
        click.echo(f"login link (one use): {link}")
        click.echo(f"API token: {token}")


@staff.command("link")
@click.argument("staff_id", type=int)
def staff_link(staff_id: int) -> None:
    """Print a new one-time login link for a staff member."""
    with app_context():
        members = {m.id: m for m in auth.list_staff()}
        if staff_id not in members or members[staff_id].revoked_at is not None:
            fail(f"no active staff member with id {staff_id}")
        click.echo(auth.issue_login_link(staff_id))


@staff.command("revoke")
@click.argument("staff_id", type=int)
def staff_revoke(staff_id: int) -> None:
    """Revoke a staff member: every token and unused link stops working."""
    with app_context():
        try:
            member = auth.revoke_staff(staff_id)
        except ApiError as err:
            fail(err.message)
        realtime.notify_revoked(staff_id)
    click.echo(f"revoked staff #{member.id} {member.name}")


@staff.command("list")
@click.option("--json", "as_json", is_flag=True)
def staff_list(as_json: bool) -> None:
    """List staff members."""
    with app_context():
        members = auth.list_staff()
    rows = [
        {
            "id": m.id,
            "name": m.name,
            "role": m.role,
            "room_ids": m.room_ids,
            "session_ids": m.session_ids,
            "revoked": m.revoked_at is not None,
        }
        for m in members
    ]
    if as_json:
        click.echo(json.dumps(rows))
        return
    for r in rows:
        click.echo(f"#{r['id']:<4} {r['role']:<10} {r['name']}{'  (revoked)' if r['revoked'] else ''}")


# --- import and export ----------------------------------------------------------------------------------

PARSERS = {
    "program": (importing.parse_program_json, service.apply_program),
    "papers": (importing.parse_papers_csv, service.apply_papers),
    "people": (importing.parse_people_csv, service.apply_people),
}


@main.command(name="import")
@click.argument("kind", type=click.Choice(sorted(PARSERS)))
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--authors",
    "authors",
    type=click.Path(path_type=Path),
    default=None,
    help="papers: EasyChair's author.csv (default: an author.csv beside the file).",
)
@click.option(
    "--accept",
    "accept",
    multiple=True,
    metavar="VALUE",
    help="papers: a decision that counts as accepted, besides any starting with 'accept' (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="papers: print what would change and change nothing.")
@click.option(
    "--replace",
    is_flag=True,
    help="papers: the accepted papers become exactly the file's; the others "
    "are withdrawn (no prompt; --dry-run previews).",
)
def import_file(
    kind: str, file: Path, authors: Path | None, accept: tuple[str, ...], dry_run: bool, replace: bool
) -> None:
    """Import a program JSON, accepted papers (the project's CSV/JSON, CMT's .xlsx/CSV/tab export, EasyChair's
    submission.csv + author.csv) or a people file. All or nothing; re-imports update."""
    if kind == "papers":
        _import_papers(file, authors, accept, dry_run, replace)
        return
    if authors or accept or dry_run or replace:
        fail("--authors, --accept, --dry-run and --replace are for `eventapp import papers`")
    parse, apply = PARSERS[kind]
    try:
        if kind == "people":
            read = importing.read_people(file)
            records, fmt = read.people, read.format
        else:
            records, fmt = parse(file), "program JSON"
    except importing.InvalidFile as exc:
        fail(str(exc))
    with app_context():
        try:
            with db.session_scope() as s:
                count = apply(s, records)
                log_import(s, kind, [str(file)], fmt, {"count": count})
        except ApiError as err:
            fail(f"{file.name}:{err.extra.get('line', 0)}: {err.message}")
        service.publish_program()
    click.echo(f"imported {count} {kind if kind != 'program' else 'slots'} from {file}")
    if kind == "people":
        click.echo(f"recognised: {fmt}")
        for warning in read.warnings:
            click.echo(f"warning: {warning}")
    if kind == "people" and read.assumed_in_person:
        click.echo(
            f"attendance not given: {read.assumed_in_person} people assumed to come in person "
            "(the in-person rule's assumption)"
        )


def _import_papers(file: Path, authors: Path | None, accept: tuple[str, ...], dry_run: bool, replace: bool) -> None:
    try:
        read = importing.read_papers(file, authors=authors, accept=accept)
    except importing.InvalidFile as exc:
        fail(str(exc))
    if replace and not read.papers:
        skipped = ", ".join(f"{n} {why}" for why, n in read.skipped.most_common()) or "none"
        fail(
            f"{file.name}: no accepted paper (skipped: {skipped}), so --replace would withdraw every paper; nothing "
            "was changed. If a decision means accepted, give it with --accept VALUE."
        )
    with app_context():
        outcome = import_papers(read, replace=replace, dry_run=dry_run)
        if not dry_run:
            service.publish_program()
    for line in outcome.lines():
        click.echo(line)


@main.group()
def export() -> None:
    """Export data (features add theirs)."""


@export.command("program")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="File to write (default: stdout).")
def export_program(out: Path | None) -> None:
    """The program as JSON (the GET /api/v1/program shape)."""
    with app_context():
        if service.load_event() is None:
            fail("no program loaded yet: run `eventapp import program FILE` (or `eventapp demo`) first")
        text = json.dumps(service.program_payload(), indent=2, ensure_ascii=False)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {out}")


@main.group()
def docs() -> None:
    """Reference documents generated from the code."""


@docs.command("api")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="File to write (default: stdout).")
def docs_api(out: Path | None) -> None:
    """docs/api.md: every route and socket event with the request shapes its code declares."""
    with app_context() as app:
        text = apidoc.render(app, realtime.socketio)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")


@main.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge(yes: bool) -> None:
    """After the event: remove personal data, keep the program and what happened (export first)."""
    if not yes:
        click.confirm(
            "This removes e-mails, attendees' names, voters, devices and staff accounts for good. Export first. Go on?",
            abort=True,
        )
    with app_context(), db.session_scope() as s:
        done = {}
        for module in features.import_modules("privacy"):
            done.update(module.purge(s))
        done.update(auth.purge_staff(s))
    for what, count in done.items():
        click.echo(f"{count:>6}  {what}")


for _module in features.import_modules("cli"):
    _module.register(main)
