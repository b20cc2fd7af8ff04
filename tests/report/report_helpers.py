"""Helpers for the report tests: drive the demo day the way the room does (real timer commands over HTTP, real
check-ins at the door)."""

from __future__ import annotations

import itertools
import time

from sqlmodel import select

from eventapp.db import session_scope
from eventapp.program.models import Authorship

_ids = itertools.count()


class Day:
    def __init__(self, client, chair: dict, volunteer: dict):
        self.client, self.chair, self.volunteer = client, chair, volunteer

    def timer(self, action: str, room: str = "main") -> dict:
        for _ in range(3):
            r = self.client.post(
                f"/api/v1/rooms/{room}/timer",
                headers=self.chair["headers"],
                json={"action": action, "command_id": f"t{next(_ids)}"},
            )
            if r.status_code != 429:  # a chair may press 20 a second; a test presses faster
                break
            time.sleep(1.1)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def go_to(self, slot_id: str, room: str = "main") -> dict:
        state = self.client.get(f"/api/v1/rooms/{room}/timer").get_json()
        for _ in range(40):
            if state["slot_id"] == slot_id:
                return state
            program = self.client.get("/api/v1/program").get_json()
            order = [s["id"] for x in program["sessions"] if x["room_id"] == room for s in x["slots"]]
            order.sort(
                key=lambda sid: next(s["starts_at"] for x in program["sessions"] for s in x["slots"] if s["id"] == sid)
            )
            state = self.timer("previous" if order.index(slot_id) < order.index(state["slot_id"]) else "next", room)
        raise AssertionError(f"the timer never reached {slot_id}")

    def check_in(self, person_id: int) -> dict:
        from eventapp.checkin.badges import get_badge

        code = get_badge(person_id).code
        r = self.client.post(
            "/api/v1/checkins",
            headers=self.volunteer["headers"],
            json={"code": code, "nonce": f"n{next(_ids)}", "device": "Door 2"},
        )
        assert r.status_code in (200, 201), r.get_json()
        return r.get_json()


def author(paper_id: str, position: int = 0) -> int:
    with session_scope() as s:
        return s.exec(
            select(Authorship.person_id).where(Authorship.paper_id == paper_id, Authorship.position == position)
        ).one()


def papers_of(report: dict) -> dict[str, dict]:
    return {p["paper_id"]: p for p in report["papers"]}


def run_morning(day) -> None:
    """L1 given; L2 passed over; L3 given, paused and restarted after an undo; L4 given before its author came."""
    day.go_to("talk-L1")
    day.timer("start")
    day.timer("next")  # L1 over
    day.timer("next")  # L2 passed over (never started)
    day.timer("start")  # L3
    day.timer("pause")
    day.timer("undo")  # back to running: the first start stands
    day.timer("next")
    day.timer("start")  # L4
    day.timer("next")  # lunch
    day.check_in(author("L4"))  # the author of L4 arrives after the talk
