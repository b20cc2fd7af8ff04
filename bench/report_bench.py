"""Report benchmark (not a test): the day's report for a generated conference day of N accepted papers (default
1,000) must build in under 2 s. Prints one JSON object: the build time of GET /api/v1/report's data (best and
median of --runs), and of the CSV and PDF written from it.

    .venv/bin/python bench/report_bench.py --papers 1000 --runs 3

The day: 10 rooms of back-to-back 15-minute paper slots (with a keynote opening each room), 3 authors per paper
drawn from a pool (people author several papers), half the authors checked in, the timer run in 9 of the 10 rooms
(its first 80 % of slots, every 7th passed over), 2 questions per talk. All in a fresh SQLite file in a temporary
folder, deleted at the end. Bounded: one in-process build per run, at most 10 runs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 2.0


def generate(s, papers: int, rooms: int = 10, seed: int = 19) -> None:
    from eventapp.checkin.models import CheckIn
    from eventapp.program.models import Authorship, Event, Paper, Person, Room, Slot
    from eventapp.program.models import Session as ProgramSession
    from eventapp.qa.models import Question
    from eventapp.timer.models import TimerRow, TimerSegment

    rnd = random.Random(seed)
    day = date(2024, 8, 4)
    start = datetime(2024, 8, 4, 0, 0, tzinfo=UTC)
    s.add(Event(name="Generated conference", date=day, timezone="Asia/Seoul"))
    people = [Person(name=f"Person {i}", attendance="in_person") for i in range(papers * 2)]
    s.add_all(people)
    s.flush()
    per_room = -(-papers // rooms)
    n = 0
    for r in range(rooms):
        room = f"room{r}"
        s.add(Room(id=room, name=f"Room {r}", position=r))
        s.add(ProgramSession(id=f"sess{r}", room_id=room, title=f"Session {r}", chair_person_id=people[r].id))
        s.flush()
        s.add(
            Slot(
                id=f"key{r}",
                session_id=f"sess{r}",
                position=0,
                kind="keynote",
                title="Keynote",
                starts_at=start,
                talk_seconds=1800,
                qa_seconds=600,
            )
        )
        used = r != rooms - 1  # one room never used its timer
        room_slots = []
        for i in range(per_room):
            if n >= papers:
                break
            pid = f"P{n:04d}"
            s.add(Paper(id=pid, title=f"Paper {n} on something trustworthy", format="short oral"))
            s.flush()  # no ORM relationships: the paper goes in before the rows that point at it
            for pos, person in enumerate(rnd.sample(people, 3)):
                s.add(Authorship(paper_id=pid, position=pos, person_id=person.id))
            at = start + timedelta(minutes=40 + 15 * i)
            slot_id = f"talk-{pid}"
            s.add(
                Slot(
                    id=slot_id,
                    session_id=f"sess{r}",
                    position=i + 1,
                    kind="paper",
                    title=f"Paper {n}",
                    starts_at=at,
                    talk_seconds=600,
                    qa_seconds=300,
                    paper_id=pid,
                )
            )
            room_slots.append((slot_id, at))
            n += 1
        s.flush()
        if used:
            ran = room_slots[: int(len(room_slots) * 0.8)]
            for k, (slot_id, at) in enumerate(ran):
                if k % 7 == 3:
                    continue  # passed over
                t0 = int((at + timedelta(seconds=rnd.randint(-60, 600))).timestamp() * 1000)
                s.add(
                    TimerSegment(
                        room_id=room, slot_id=slot_id, segment="talk", started_at_ms=t0, ended_at_ms=t0 + 600_000
                    )
                )
                s.add(
                    TimerSegment(
                        room_id=room,
                        slot_id=slot_id,
                        segment="qa",
                        started_at_ms=t0 + 600_000,
                        ended_at_ms=t0 + 900_000,
                    )
                )
            current = ran[-1][0] if ran else None
            s.add(TimerRow(room_id=room, slot_id=current, clock={}, last_command_id="bench"))
        for slot_id, at in room_slots:
            for q in range(2):
                s.add(
                    Question(
                        slot_id=slot_id,
                        voter_id=f"v{q}",
                        text="A question?",
                        votes=q,
                        status="answered" if q else "visible",
                        created_at=at,
                    )
                )
    for i, person in enumerate(people):
        if i % 2 == 0:
            at = start + timedelta(minutes=rnd.randint(-60, 400))
            s.add(CheckIn(person_id=person.id, scanned_at=at, created_at=at, nonce=f"b{i}", device="Door"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = max(1, min(args.runs, 10))

    from eventapp import create_app, db, migrate
    from eventapp.report import build, pdf, render

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "INSTANCE_PATH": tmp, "SECRET_KEY": "bench"})
        engine = app.extensions[db.ENGINE_KEY]
        migrate.upgrade(engine)
        with app.app_context():
            t = time.perf_counter()
            with db.session_scope() as s:
                generate(s, args.papers)
            generated = time.perf_counter() - t
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                with db.read_scope() as s:
                    report = build.build(s)
                times.append(time.perf_counter() - t)
            t = time.perf_counter()
            render.to_csv(report)
            csv_s = time.perf_counter() - t
            t = time.perf_counter()
            pdf.report_pdf(report)
            pdf_s = time.perf_counter() - t
        engine.dispose()
    result = {
        "papers": len(report["papers"]),
        "talks": len(report["talks"]),
        "statuses": report["summary"],
        "generate_s": round(generated, 2),
        "build_best_s": round(min(times), 3),
        "build_median_s": round(statistics.median(times), 3),
        "csv_s": round(csv_s, 3),
        "pdf_s": round(pdf_s, 3),
        "target_s": TARGET_SECONDS,
        "met": max(times) < TARGET_SECONDS,
    }
    print(json.dumps(result))
    sys.exit(0 if result["met"] else 1)


if __name__ == "__main__":
    main()
