"""Backup and restore against a real server (`eventapp serve`: gunicorn, gevent): a backup taken during a 20-device
check-in load, a restore onto a fresh folder that serves the same day, the refusal while a server runs, and the
server's own periodic backups. The p99 of scans during a backup is measured by bench/backup_bench.py, not here."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
from backup_helpers import rows

from eventapp.backup import periodic

from tests_support import EVENTAPP, LiveServer

pytestmark = pytest.mark.e2e

DEVICES = 20
PER_DEVICE = 40


def add_people(server: LiveServer, count: int) -> None:
    """Registrations beyond the demo's, so that every scan of the load is a first check-in."""
    code = (
        "from eventapp import create_app, db\n"
        "from eventapp.program.models import Person\n"
        "with create_app().app_context(), db.session_scope() as s:\n"
        f"    for i in range({count}):\n"
        "        s.add(Person(name=f'Load {i:04d}', sort_name=f'Load {i:04d}', attendance='in_person'))\n"
    )
    subprocess.run([sys.executable, "-c", code], env=server.env, check=True, timeout=60)


def bearer(staff: dict) -> dict:
    return {"Authorization": f"Bearer {staff['token']}"}


def test_a_backup_during_a_20_device_check_in_load(tmp_path):
    server = LiveServer(tmp_path)
    server.load_demo()
    add_people(server, DEVICES * PER_DEVICE)
    volunteer, organizer = server.staff("volunteer"), server.staff("organizer")
    server.start()
    try:
        badges = requests.get(server.url + "/api/v1/badges.csv", headers=bearer(organizer), timeout=10).text
        codes = [r["code"] for r in csv.DictReader(io.StringIO(badges)) if r["name"].startswith("Load ")]
        acks: list[tuple[str, int, float]] = []  # (nonce, status, when the answer came)
        lock = threading.Lock()
        deadline = time.monotonic() + 60

        def device(n: int) -> None:
            session = requests.Session()
            session.headers.update(bearer(volunteer))
            for code in codes[n::DEVICES][:PER_DEVICE]:
                if time.monotonic() > deadline:
                    return
                nonce = uuid.uuid4().hex
                try:
                    status = session.post(
                        server.url + "/api/v1/checkins",
                        timeout=10,
                        json={"code": code, "nonce": nonce, "device": f"Door {n}"},
                    ).status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                with lock:
                    acks.append((nonce, status, time.monotonic()))
                time.sleep(0.05)  # a volunteer's pace: 20 scans a second at the door, for the backup to land in

        threads = [threading.Thread(target=device, args=(n,)) for n in range(DEVICES)]
        for t in threads:
            t.start()
        while len(acks) < DEVICES * 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
        backup = subprocess.run(
            [EVENTAPP, "backup", "--out", str(tmp_path / "during.db")],
            env=server.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        finished = time.monotonic()
        for t in threads:
            t.join()
    finally:
        server.stop()
    assert backup.returncode == 0, backup.stderr
    statuses = {status for _nonce, status, _at in acks}
    assert statuses == {201}, statuses  # every scan answered as a first check-in, none refused or failed
    assert len(acks) == DEVICES * PER_DEVICE
    during = [a for a in acks if started <= a[2] <= finished]
    assert during, "no scan was answered while the backup ran"
    copy = tmp_path / "during.db"
    assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
    in_backup = {nonce for (nonce,) in rows(copy, "SELECT nonce FROM checkin")}
    acknowledged_before = {nonce for nonce, _status, at in acks if at < started}
    assert acknowledged_before <= in_backup
    assert len(acknowledged_before) >= DEVICES * 5


@pytest.fixture(scope="module")
def the_day(tmp_path_factory):
    """A served demo day with things done on it: a check-in, a running then paused timer, a new question."""
    server = LiveServer(tmp_path_factory.mktemp("day"))
    server.load_demo()
    organizer, volunteer = server.staff("organizer"), server.staff("volunteer")
    server.start()
    try:
        badges = requests.get(server.url + "/api/v1/badges.csv", headers=bearer(organizer), timeout=10).text
        code = next(iter(csv.DictReader(io.StringIO(badges))))["code"]
        scan = requests.post(
            server.url + "/api/v1/checkins",
            headers=bearer(volunteer),
            timeout=10,
            json={"code": code, "nonce": uuid.uuid4().hex},
        )
        assert scan.status_code in (200, 201)
        for action in ("start", "pause"):
            answer = requests.post(
                server.url + "/api/v1/rooms/main/timer",
                headers=bearer(organizer),
                timeout=10,
                json={"action": action, "command_id": uuid.uuid4().hex},
            )
            assert answer.status_code == 200, answer.text
        program = requests.get(server.url + "/api/v1/program", timeout=10).json()
        slot = next(s["id"] for sess in program["sessions"] for s in sess["slots"] if s["kind"] == "paper")
        asked = requests.post(
            f"{server.url}/api/v1/slots/{slot}/questions",
            timeout=10,
            json={"text": "Does the backup keep this question?"},
        )
        assert asked.status_code == 201, asked.text
        yield server, organizer, slot
    finally:
        server.stop()


def what_it_serves(url: str, organizer: dict, slot: str) -> dict:
    get = lambda path: requests.get(url + path, headers=bearer(organizer), timeout=10).json()  # noqa: E731
    timer = get("/api/v1/rooms/main/timer")
    timer.pop("server_ms")
    coverage = get("/api/v1/coverage")["papers"]
    for paper in coverage:
        paper.pop("minutes_to_start")  # counted from now: a restore that crosses a minute changes it, nothing else
    return {"coverage": coverage, "timer": timer, "questions": get(f"/api/v1/slots/{slot}/questions")["questions"]}


def test_restore_on_a_fresh_folder_serves_the_same_day(the_day, tmp_path):
    server, organizer, slot = the_day
    backup = tmp_path / "carried.db"
    server.run_cli("backup", "--out", str(backup))  # while it serves
    before = what_it_serves(server.url, organizer, slot)
    assert before["timer"]["state"] == "paused"
    assert any(q["text"] == "Does the backup keep this question?" for q in before["questions"])

    other = LiveServer(tmp_path / "another-laptop")  # a fresh folder: no database at all yet
    other.workdir.mkdir()
    restored = other.run_cli("restore", str(backup))
    assert "restored" in restored.stdout
    other.start()
    try:
        # The organizer's token is stored (hashed) in the database, so it works on the restored server too.
        after = what_it_serves(other.url, organizer, slot)
    finally:
        other.stop()
    assert after == before


def test_restore_is_refused_while_the_server_runs(the_day, tmp_path):
    server, _organizer, _slot = the_day
    backup = tmp_path / "b.db"
    server.run_cli("backup", "--out", str(backup))
    refused = subprocess.run(
        [EVENTAPP, "restore", str(backup)], env=server.env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
    assert "A server is running on" in refused.stderr
    assert not [p for p in server.workdir.iterdir() if "replaced" in p.name]
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


def test_the_server_backs_up_periodically_and_prunes_the_oldest(tmp_path):
    backups = tmp_path / "backups"
    every_0_6_s = {"EVENTAPP_BACKUP_EVERY": "0.01", "EVENTAPP_BACKUP_KEEP": "2", "EVENTAPP_BACKUP_DIR": str(backups)}
    server = LiveServer(tmp_path, every_0_6_s)
    server.load_demo()
    server.start()
    seen: list[str] = []
    most_at_once = 0
    try:
        deadline = time.monotonic() + 30
        while len(seen) < 5 and time.monotonic() < deadline:
            names = [p.name for p in periodic.backup_files(backups)]
            most_at_once = max(most_at_once, len(names))
            seen += [n for n in names if n not in seen]
            time.sleep(0.1)
        health = requests.get(server.url + "/healthz", timeout=5).json()
        exposition = requests.get(server.url + "/metrics", timeout=5).text
    finally:
        server.stop()
    assert len(seen) >= 5, seen
    assert most_at_once <= 3  # the new file is in place a moment before the oldest goes (never before: a failed
    # backup must not cost a good one)
    left = periodic.backup_files(backups)
    assert len(left) == 2
    assert seen[0] not in {p.name for p in left}  # the oldest went
    for path in left:
        assert rows(path, "PRAGMA integrity_check") == [("ok",)]
        assert rows(path, "SELECT count(*) FROM qa_question")[0][0] > 0
    assert health["backup"]["every_minutes"] == 0.01
    assert health["backup"]["last"] is not None
    assert "eventapp_backup_age_seconds " in exposition
    assert "eventapp_backup_failures_total 0.0" in exposition
