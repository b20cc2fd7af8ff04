"""Backup and restore of the SQLite database, without a server: the online copy, restore's checks and refusals,
migrating an older backup forward, the pruning of periodic backups, and the PostgreSQL answer."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from backup_helpers import rows

from eventapp import db, migrate
from eventapp.backup import periodic, restore, serve_lock, snapshot

from tests_support import EVENTAPP


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EVENTAPP, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(tmp_path: Path) -> dict:
    return {
        **os.environ,
        "EVENTAPP_INSTANCE_PATH": str(tmp_path / "instance"),
        "EVENTAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'eventapp.db'}",
        "EVENTAPP_SECRET_KEY": "backup-test",
    }


@pytest.fixture
def demo_db(env: dict, tmp_path: Path) -> Path:
    out = cli(env, "demo", "--no-serve", "--date", "2024-08-04")
    assert out.returncode == 0, out.stderr
    return tmp_path / "instance" / "eventapp.db"


def replaced(database: Path) -> list[Path]:
    """The databases a restore kept beside `database` (their -wal and -shm left out)."""
    return [
        p
        for p in database.parent.iterdir()
        if p.name.startswith(f"{database.name}.replaced-") and not p.name.endswith(("-wal", "-shm"))
    ]


def integrity(path: Path) -> str:
    return rows(path, "PRAGMA integrity_check")[0][0]


def test_backup_prints_what_it_copied_and_the_copy_is_a_plain_sound_database(env, demo_db, tmp_path):
    out = cli(env, "backup", "--out", str(tmp_path / "copy.db"))
    assert out.returncode == 0, out.stderr
    copy = tmp_path / "copy.db"
    assert integrity(copy) == "ok"
    assert rows(copy, "PRAGMA journal_mode")[0][0] == "delete"  # one file, nothing beside it
    checkins = rows(copy, "SELECT count(*) FROM checkin")[0][0]
    questions = rows(copy, "SELECT count(*) FROM qa_question")[0][0]
    assert checkins > 0 and questions > 0
    assert f"{checkins} check-ins, {questions} questions, 0 timer commands" in out.stdout
    assert "KB" in out.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("copy", ".copy"))) == ["copy.db"]


def test_backup_without_out_goes_to_the_backup_folder_named_by_time(env, demo_db, tmp_path):
    out = cli(env, "backup")
    assert out.returncode == 0, out.stderr
    [made] = periodic.backup_files(tmp_path / "instance" / "backups")
    assert str(made) in out.stdout


def test_backup_refuses_to_overwrite_the_live_database_or_write_nowhere(env, demo_db, tmp_path):
    out = cli(env, "backup", "--out", str(demo_db))
    assert out.returncode != 0
    assert "live database itself" in out.stderr
    assert integrity(demo_db) == "ok"
    nowhere = cli(env, "backup", "--out", str(tmp_path / "no-such-folder" / "b.db"))
    assert nowhere.returncode != 0
    assert "does not exist" in nowhere.stderr and "Traceback" not in nowhere.stderr


@pytest.mark.parametrize("restarts_allowed", [snapshot.MAX_RESTARTS, 0])
def test_the_copy_holds_what_is_committed_in_the_wal_and_is_consistent_under_writes(
    tmp_path, monkeypatch, restarts_allowed
):
    """A writer commits non-stop (as a door does) while the copy is taken: the copy finishes, is sound, and holds
    every row committed before it began. A write between two steps makes SQLite start the copy over; past the
    restarts allowed, the copy ends in one step (with none allowed and small steps, it always does)."""
    fell_back = []

    class Restarting(snapshot._Restarting):
        def __init__(self):
            fell_back.append(True)

    monkeypatch.setattr(snapshot, "_Restarting", Restarting)
    monkeypatch.setattr(snapshot, "MAX_RESTARTS", restarts_allowed)
    if restarts_allowed == 0:
        monkeypatch.setattr(snapshot, "STEP_PAGES", 16)  # ~50 steps: writes land between them
    source = tmp_path / "live.db"
    conn = sqlite3.connect(source, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # everything stays in the WAL: the copy must read it from there
    conn.execute("CREATE TABLE checkin (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("BEGIN")
    for _ in range(3000):  # ~3 MB: several steps of STEP_PAGES
        conn.execute("INSERT INTO checkin (body) VALUES (?)", ("x" * 1000,))
    conn.execute("COMMIT")
    stop = threading.Event()

    def writer() -> None:
        w = sqlite3.connect(source, isolation_level=None)
        w.execute("PRAGMA busy_timeout=5000")
        deadline = time.monotonic() + 20
        while not stop.is_set() and time.monotonic() < deadline:
            w.execute("BEGIN IMMEDIATE")
            w.execute("INSERT INTO checkin (body) VALUES ('y')")
            w.execute("COMMIT")
            time.sleep(0.001)
        w.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.1)
        before = conn.execute("SELECT max(id) FROM checkin").fetchone()[0]
        contents = snapshot.online_copy(source, tmp_path / "copy.db")
    finally:
        stop.set()
        thread.join()
    copy = tmp_path / "copy.db"
    assert integrity(copy) == "ok"
    ids = {r[0] for r in rows(copy, "SELECT id FROM checkin")}
    assert set(range(1, before + 1)) <= ids
    assert ids == set(range(1, max(ids) + 1))  # one moment: no gap
    assert contents.counts["check-ins"] == len(ids)
    if restarts_allowed == 0:
        assert fell_back
    conn.close()


def test_restore_puts_the_backup_in_place_and_keeps_the_replaced_database(env, demo_db, tmp_path):
    backup = tmp_path / "backup.db"
    assert cli(env, "backup", "--out", str(backup)).returncode == 0
    with sqlite3.connect(demo_db) as conn:  # what happened after the backup: the restore undoes it
        conn.execute("DELETE FROM qa_vote")
        conn.execute("DELETE FROM qa_question")
    out = cli(env, "restore", str(backup))
    assert out.returncode == 0, out.stderr
    assert rows(demo_db, "SELECT count(*) FROM qa_question")[0][0] > 0
    [kept] = replaced(demo_db)
    assert rows(kept, "SELECT count(*) FROM qa_question")[0][0] == 0
    assert str(kept) in out.stdout
    assert integrity(backup) == "ok"  # the backup itself is left as it was


def test_restore_migrates_an_older_backup_forward_and_leaves_the_file_as_it_was(env, tmp_path):
    old = tmp_path / "old.db"
    engine = db.make_engine(f"sqlite:///{old}")
    command.upgrade(migrate.alembic_config(engine), "0003")  # before the Q&A tables
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO room (id, name, stream_url, position) VALUES ('hall', 'Hall', '', 0)")
    engine.dispose()
    _revisions, head = restore.known_revisions()
    assert head != "0003"
    out = cli(env, "restore", str(old))
    assert out.returncode == 0, out.stderr
    database = tmp_path / "instance" / "eventapp.db"
    assert rows(database, "SELECT version_num FROM alembic_version") == [(head,)]
    assert rows(database, "SELECT id, name FROM room") == [("hall", "Hall")]
    assert rows(database, "SELECT count(*) FROM qa_question") == [(0,)]  # the tables of later migrations exist
    assert f"migrated forward from 0003 to {head}" in out.stdout
    assert rows(old, "SELECT version_num FROM alembic_version") == [("0003",)]


def test_restore_refuses_a_file_that_is_not_a_sound_eventapp_database(env, demo_db, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    plain = tmp_path / "plain.db"
    with sqlite3.connect(plain) as conn:
        conn.execute("CREATE TABLE t (x)")
    future = tmp_path / "future.db"
    assert cli(env, "backup", "--out", str(future)).returncode == 0
    with sqlite3.connect(future) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
    torn = tmp_path / "torn.db"
    assert cli(env, "backup", "--out", str(torn)).returncode == 0
    data = bytearray(torn.read_bytes())
    page = 4096
    data[3 * page : 6 * page] = b"\xff" * (3 * page)  # a few pages of a table overwritten
    torn.write_bytes(bytes(data))
    before = demo_db.read_bytes()
    for bad, says in (
        (junk, "not a sound SQLite database"),
        (plain, "not an eventapp one"),
        (future, "another version of eventapp"),
        (torn, "SQLite database"),
        (tmp_path / "missing.db", "no such file"),
    ):
        out = cli(env, "restore", str(bad))
        assert out.returncode != 0, bad
        assert says in out.stderr, (bad, out.stderr)
    assert demo_db.read_bytes() == before
    assert not [p for p in demo_db.parent.iterdir() if "replaced" in p.name or "restoring" in p.name]


def test_restore_refuses_while_a_server_holds_the_database(env, demo_db, tmp_path):
    backup = tmp_path / "backup.db"
    assert cli(env, "backup", "--out", str(backup)).returncode == 0
    # The lock as a serving process holds it (a server's own process, tested live in test_backup_live.py).
    fd = os.open(serve_lock.lock_path(demo_db), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        out = cli(env, "restore", str(backup))
    finally:
        os.close(fd)
    assert out.returncode != 0
    assert "A server is running on" in out.stderr and "Stop it first" in out.stderr
    assert not [p for p in demo_db.parent.iterdir() if "replaced" in p.name]
    assert cli(env, "restore", str(backup)).returncode == 0  # once it has stopped


def test_backup_and_restore_on_postgresql_point_to_pg_dump_and_change_nothing(env, tmp_path):
    pg = {**env, "EVENTAPP_DATABASE_URL": "postgresql+psycopg://eventapp@127.0.0.1:5432/eventapp"}
    for args in (("backup", "--out", str(tmp_path / "x.db")), ("restore", str(tmp_path / "x.db"))):
        out = cli(pg, *args)
        assert out.returncode != 0
        assert "pg_dump" in out.stderr and "pg_restore" in out.stderr
    assert not (tmp_path / "x.db").exists()


def test_prune_keeps_the_newest_in_time_order(tmp_path):
    names = [
        "eventapp-20240804T010000Z.db",
        "eventapp-20240804T010500Z.db",
        "eventapp-20240804T010500Z-2.db",
        "eventapp-20240804T011000Z.db",
        "notes.txt",
        "eventapp.db",
    ]
    for name in names:
        (tmp_path / name).write_text("x")
    gone = periodic.prune(tmp_path, keep=2)
    assert [p.name for p in gone] == ["eventapp-20240804T010000Z.db", "eventapp-20240804T010500Z.db"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["eventapp-20240804T010500Z-2.db", "eventapp-20240804T011000Z.db", "eventapp.db", "notes.txt"]


def test_backup_settings_from_the_environment(monkeypatch, tmp_path):
    from eventapp.config import load_settings

    monkeypatch.setenv("EVENTAPP_BACKUP_EVERY", "0.5")
    monkeypatch.setenv("EVENTAPP_BACKUP_KEEP", "3")
    monkeypatch.delenv("EVENTAPP_BACKUP_DIR", raising=False)
    settings = load_settings({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert (settings["BACKUP_EVERY_MINUTES"], settings["BACKUP_KEEP"]) == (0.5, 3)
    assert settings["BACKUP_DIR"] == str(tmp_path / "backups")
    monkeypatch.delenv("EVENTAPP_BACKUP_EVERY")
    assert load_settings({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})["BACKUP_EVERY_MINUTES"] is None


def test_healthz_names_the_last_backup_and_metrics_count_failures(app, client):
    backup = client.get("/healthz").get_json()["backup"]
    assert set(backup) == {"last", "every_minutes"}
    assert "eventapp_backup_failures_total" in client.get("/metrics").get_data(as_text=True)


KILLED_WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint=0")
conn.execute("CREATE TABLE written_last (x)")
conn.execute("INSERT INTO written_last VALUES ('only in the WAL')")
os._exit(0)  # as a server killed with the laptop: no close, so no checkpoint
"""


def test_the_replaced_database_keeps_what_only_its_wal_held(env, demo_db, tmp_path):
    backup = tmp_path / "backup.db"
    assert cli(env, "backup", "--out", str(backup)).returncode == 0
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(demo_db)], check=True, timeout=30)
    assert demo_db.with_name("eventapp.db-wal").stat().st_size > 0
    assert cli(env, "restore", str(backup)).returncode == 0
    [kept] = replaced(demo_db)
    assert rows(kept, "SELECT x FROM written_last") == [("only in the WAL",)]
