"""The program file (docs/program-format.md) read into records, every problem with its line and field."""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ..models import ATTENDANCE, MODES
from ..schedule import parse_hhmm, zone
from .names import EMAIL, ID, normalise_email, split_name
from .records import InvalidFile, PersonRef, Problem, ProgramRecord, SessionRecord, SlotRecord
from .table import read_bytes


class _Obj(dict):
    """A JSON object that remembers the line it starts on."""

    line = 1


def _load_json_with_lines(path: Path) -> Any:
    data = read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidFile([Problem(path.name, 1, f"not UTF-8 text ({exc.reason})")]) from exc
    decoder = json.JSONDecoder()
    parse_object = decoder.parse_object

    def parse_with_line(s_and_end, *args):
        s, end = s_and_end
        obj, new_end = parse_object(s_and_end, *args)
        tracked = _Obj(obj)
        tracked.line = s.count("\n", 0, end) + 1
        return tracked, new_end

    decoder.parse_object = parse_with_line
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # the pure-Python scanner calls our parse_object
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise InvalidFile([Problem(path.name, exc.lineno, f"not valid JSON ({exc.msg})")]) from exc


def _line(obj: Any) -> int:
    return getattr(obj, "line", 1)


class _Checker:
    def __init__(self, fname: str):
        self.fname = fname
        self.problems: list[Problem] = []

    def fail(self, obj: Any, where: str, message: str) -> None:
        self.problems.append(Problem(self.fname, _line(obj), f"{where}: {message}"))

    def obj(self, value: Any, where: str, parent: Any) -> _Obj | None:
        if not isinstance(value, dict):
            self.fail(parent, where, "expected an object")
            return None
        return value

    def text(self, obj: dict, key: str, where: str, *, required: bool = True, limit: int = 500) -> str:
        value = obj.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(obj, f"{where}.{key}", "expected a non-empty string" if required else "expected a string")
            return ""
        if len(value) > limit:
            self.fail(obj, f"{where}.{key}", f"longer than {limit} characters")
        return " ".join(value.split())

    def ident(self, obj: dict, key: str, where: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not ID.match(value):
            self.fail(obj, f"{where}.{key}", f"{value!r} is not an id (letters, digits, . _ -; up to 64)")
            return ""
        return value

    def unique_ident(self, obj: dict, key: str, where: str, seen: set[str]) -> str:
        """`ident`, refused when `seen` (the ids of the list so far) has it already; it joins `seen`."""
        value = self.ident(obj, key, where)
        if value in seen:
            self.fail(obj, f"{where}.{key}", f"{value} is used twice")
        seen.add(value)
        return value

    def seconds(self, obj: dict, where: str, name: str, *, required: bool) -> int:
        if f"{name}_seconds" in obj:
            value, unit = obj[f"{name}_seconds"], 1
        elif f"{name}_minutes" in obj:
            value, unit = obj[f"{name}_minutes"], 60
        elif required:
            self.fail(obj, where, f"needs {name}_minutes or {name}_seconds")
            return 0
        else:
            return 0
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value * unit > 86400:
            self.fail(obj, f"{where}.{name}", f"{value!r} is not a duration of 0 to 24 hours")
            return 0
        return int(round(value * unit))

    def person(self, value: Any, where: str, parent: Any) -> PersonRef | None:
        if value is None:
            return None
        if isinstance(value, str) and value.strip():
            name, sort_name = split_name(value)
            return PersonRef(name, sort_name, line=_line(parent))
        if isinstance(value, dict):
            raw = self.text(value, "name", where, limit=200)
            email = normalise_email(value.get("email")) if isinstance(value.get("email"), str) else None
            if email and not EMAIL.match(email):
                self.fail(value, f"{where}.email", f"{email!r} is not an e-mail address")
            attendance = value.get("attendance")
            if attendance is not None and attendance not in ATTENDANCE:
                self.fail(value, f"{where}.attendance", f"must be one of {', '.join(ATTENDANCE)}")
            name, sort_name = split_name(raw)
            return PersonRef(
                name,
                sort_name,
                email,
                self.text(value, "affiliation", where, required=False, limit=300),
                attendance,
                value.get("organizer") if isinstance(value.get("organizer"), bool) else None,
                _line(value),
            )
        self.fail(parent, where, "expected a name or an object with a name")
        return None


def parse_program_json(path: Path) -> ProgramRecord:
    """The program file (its schema: docs/program-format.md)."""
    return parse_program_doc(_load_json_with_lines(path), path.name)


def parse_program_doc(doc: Any, fname: str) -> ProgramRecord:
    """The program from decoded JSON (the demo builds one in code; its objects then report line 1)."""
    c = _Checker(fname)
    if not isinstance(doc, dict):
        raise InvalidFile([Problem(fname, 1, "expected a JSON object at the top")])
    event_obj = c.obj(doc.get("event"), "event", doc) or _Obj()
    event = {
        "name": c.text(event_obj, "name", "event", limit=300),
        "short_name": c.text(event_obj, "short_name", "event", required=False, limit=80),
        "host": c.text(event_obj, "host", "event", required=False, limit=300),
        "rule_text": c.text(event_obj, "rule_text", "event", required=False),
        "synthetic_note": c.text(event_obj, "synthetic_note", "event", required=False),
        "in_person_rule": bool(event_obj.get("in_person_rule", True)),
        "synthetic": bool(event_obj.get("synthetic", False)),
    }
    try:
        event["date"] = date.fromisoformat(str(event_obj.get("date")))
    except ValueError:
        c.fail(event_obj, "event.date", f"{event_obj.get('date')!r} is not a date as YYYY-MM-DD")
    try:
        zone(str(event_obj.get("timezone")))
        event["timezone"] = event_obj["timezone"]
    except ValueError as exc:
        c.fail(event_obj, "event.timezone", str(exc))

    rooms = []
    room_ids: set[str] = set()
    for i, room in enumerate(doc.get("rooms") if isinstance(doc.get("rooms"), list) else []):
        where = f"rooms[{i}]"
        if (room := c.obj(room, where, doc)) is None:
            continue
        rid = c.unique_ident(room, "id", where, room_ids)
        rooms.append(
            {
                "id": rid,
                "name": c.text(room, "name", where, limit=200),
                "position": i,
                "stream_url": c.text(room, "stream_url", where, required=False),
            }
        )
    if not rooms:
        c.fail(doc, "rooms", "needs a list with at least one room")

    people = []
    for i, person in enumerate(doc.get("people") if isinstance(doc.get("people"), list) else []):
        ref = c.person(person, f"people[{i}]", doc)
        if ref is not None:
            people.append(ref)

    sessions: list[SessionRecord] = []
    slot_ids: dict[str, str] = {}
    session_ids: set[str] = set()
    for i, sess in enumerate(doc.get("sessions") if isinstance(doc.get("sessions"), list) else []):
        where = f"sessions[{i}]"
        if (sess := c.obj(sess, where, doc)) is None:
            continue
        sid = c.unique_ident(sess, "id", where, session_ids)
        room_id = sess.get("room_id")
        if room_id not in room_ids:
            c.fail(sess, f"{where}.room_id", f"{room_id!r} is not one of the rooms")
        record = SessionRecord(
            _line(sess),
            sid,
            room_id or "",
            c.text(sess, "title", where, limit=300),
            c.person(sess.get("chair"), f"{where}.chair", sess),
        )
        slots = sess.get("slots")
        if not isinstance(slots, list) or not slots:
            c.fail(sess, f"{where}.slots", "needs a list with at least one slot")
            slots = []
        for j, slot in enumerate(slots):
            swhere = f"{where}.slots[{j}]"
            if (slot := c.obj(slot, swhere, sess)) is None:
                continue
            slot_id = slot.get("id")
            if isinstance(slot_id, str) and slot_id in slot_ids:
                c.fail(slot, f"{swhere}.id", f"{slot_id} is already used by {slot_ids[slot_id]}")
            elif isinstance(slot_id, str):
                slot_ids[slot_id] = swhere
            parsed = _parse_slot(c, slot, swhere, event)
            if parsed is not None:
                record.slots.append(parsed)
        sessions.append(record)
    if not sessions:
        c.fail(doc, "sessions", "needs a list with at least one session")
    _check_overlaps(c, sessions)

    notes = []
    for i, note in enumerate(doc.get("notes") if isinstance(doc.get("notes"), list) else []):
        where = f"notes[{i}]"
        if (note := c.obj(note, where, doc)) is None:
            continue
        slot_id = note.get("slot_id")
        if slot_id is not None and slot_id not in slot_ids:
            c.fail(note, f"{where}.slot_id", f"{slot_id!r} is not one of the slots")
        notes.append({"text": c.text(note, "text", where, limit=1000), "slot_id": slot_id})
    if c.problems:
        raise InvalidFile(c.problems)
    return ProgramRecord(event, rooms, sessions, notes, people)


def _parse_slot(c: _Checker, slot: _Obj, where: str, event: dict) -> SlotRecord | None:
    sid = c.ident(slot, "id", where)
    kind = c.text(slot, "kind", where, limit=20).lower()
    if kind and not re.match(r"^[a-z][a-z _-]*$", kind):
        c.fail(slot, f"{where}.kind", f"{kind!r} is not a plain word")
    starts_at = _slot_start(c, slot, where, event)
    paper_id = slot.get("paper_id")
    if paper_id is not None and (not isinstance(paper_id, str) or not ID.match(paper_id)):
        c.fail(slot, f"{where}.paper_id", f"{paper_id!r} is not an id")
    mode = slot.get("mode", "in_person")
    if mode not in MODES:
        c.fail(slot, f"{where}.mode", f"must be one of {', '.join(MODES)}")
    title = c.text(slot, "title", where, required=paper_id is None)
    talk = c.seconds(slot, where, "talk", required=True)
    qa = c.seconds(slot, where, "qa", required=False)
    if talk + qa == 0 and not any(p.message.startswith(f"{where}.") for p in c.problems):
        c.fail(slot, where, "a slot needs a length above zero")
    if starts_at is None:
        return None
    return SlotRecord(
        _line(slot),
        sid,
        kind,
        title,
        starts_at,
        talk,
        qa,
        paper_id,
        c.person(slot.get("presenter"), f"{where}.presenter", slot),
        mode,
        bool(slot.get("fixed_start", False)),
        c.text(slot, "note", where, required=False),
    )


def _slot_start(c: _Checker, slot: _Obj, where: str, event: dict) -> datetime | None:
    """`start` as HH:MM on the event's day in its zone, or a full ISO 8601 time with an offset."""
    raw = slot.get("start")
    if "date" not in event or "timezone" not in event:
        return None
    if isinstance(raw, str) and "T" in raw:
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            c.fail(slot, f"{where}.start", f"{raw!r} is not HH:MM or an ISO 8601 time with an offset")
            return None
        return moment.astimezone(zone("UTC"))
    try:
        at: time = parse_hhmm(raw)
    except ValueError as exc:
        c.fail(slot, f"{where}.start", str(exc))
        return None
    return datetime.combine(event["date"], at, tzinfo=zone(event["timezone"])).astimezone(zone("UTC"))


def _check_overlaps(c: _Checker, sessions: list[SessionRecord]) -> None:
    """Two slots in one room may not overlap."""
    by_room: dict[str, list[SlotRecord]] = {}
    for sess in sessions:
        by_room.setdefault(sess.room_id, []).extend(sess.slots)
    for room_id, slots in by_room.items():
        slots.sort(key=lambda s: s.starts_at)
        for before, after in zip(slots, slots[1:], strict=False):
            end = before.starts_at.timestamp() + before.talk_seconds + before.qa_seconds
            if after.starts_at.timestamp() < end:
                c.problems.append(
                    Problem(c.fname, after.line, f"slot {after.id} starts before {before.id} ends (room {room_id})")
                )
