"""What the readers hand to the service: plain records, and the problems that stop an import.

Pure: no Flask, no database. A problem names the file and the place in it: the physical line of a text file
(title rows and multi-line quoted fields counted) or `Sheet!ROW` in a workbook.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | str  # a physical line, or "Sheet!ROW" in a workbook
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class InvalidFile(ValueError):
    """Raised with every problem found; nothing is imported."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class PersonRef:
    """A person named in a file: matched by e-mail, then by a unique name, else created."""

    name: str
    sort_name: str
    email: str | None = None
    affiliation: str = ""
    attendance: str | None = None  # None: leave as it is
    is_organizer: bool | None = None
    line: int | str = 0
    contact: bool = False  # the tool's contact author (CMT's `*`, EasyChair's `corresponding?`)
    attendance_assumed: bool = False  # the file says nothing about attendance: in person is the rule's assumption


@dataclass
class PaperRecord:
    line: int | str
    id: str
    title: str
    format: str
    authors: list[PersonRef]


@dataclass
class PapersFile:
    """An accepted-papers file as read: the papers to import and what was left out, and why."""

    format: str  # what was recognised: "CMT Excel workbook", "EasyChair submission.csv + author.csv", ...
    papers: list[PaperRecord]
    skipped: Counter = field(default_factory=Counter)  # decision -> how many papers it left out
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file read, for the import log's hash


@dataclass
class SlotRecord:
    line: int
    id: str
    kind: str
    title: str
    starts_at: datetime
    talk_seconds: int
    qa_seconds: int
    paper_id: str | None = None
    presenter: PersonRef | None = None
    mode: str = "in_person"
    fixed_start: bool = False
    note: str = ""


@dataclass
class SessionRecord:
    line: int
    id: str
    room_id: str
    title: str
    chair: PersonRef | None
    slots: list[SlotRecord] = field(default_factory=list)


@dataclass
class ProgramRecord:
    event: dict[str, Any]
    rooms: list[dict[str, Any]]
    sessions: list[SessionRecord]
    notes: list[dict[str, Any]]
    people: list[PersonRef]
