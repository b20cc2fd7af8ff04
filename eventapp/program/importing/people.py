"""People files: the project's registrations CSV, CMT's people export (tab-separated, `# First Name`,
`Middle Initial (optional)`, `Last Name`, `E-mail`, `Organization`, ...) and EasyChair's author.csv (a row per
author per paper: the same person repeats, once per paper)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .names import EMAIL, normalise_email, split_name, text
from .records import InvalidFile, PersonRef, Problem
from .table import Table, pick, read_table

PEOPLE_NAME = ("name", "full name", "participant", "attendee")
PEOPLE_FIRST = ("first name", "given name", "firstname")
PEOPLE_MIDDLE = ("middle initial (optional)", "middle initial", "middle name")
PEOPLE_LAST = ("last name", "family name", "surname", "lastname")
PEOPLE_EMAIL = ("email", "e mail", "email address", "e mail address")
PEOPLE_AFFILIATION = ("affiliation", "organization", "organisation", "institution", "company")
PEOPLE_ATTENDANCE = ("attendance", "participation", "mode", "in person", "attending", "ticket")
PEOPLE_ORGANIZER = ("organizer", "organiser")
ATTENDANCE_WORDS = {
    "in person": "in_person",
    "in_person": "in_person",
    "in-person": "in_person",
    "onsite": "in_person",
    "on site": "in_person",
    "on-site": "in_person",
    "yes": "in_person",
    "y": "in_person",
    "true": "in_person",
    "online": "online",
    "remote": "online",
    "virtual": "online",
    "no": "online",
    "n": "online",
    "false": "online",
    "none": "none",
    "not attending": "none",
    "cancelled": "none",
    "canceled": "none",
}
YES = {"yes", "y", "true", "1", "x"}
NO = {"", "no", "n", "false", "0"}


@dataclass
class PeopleFile:
    format: str
    people: list[PersonRef]
    warnings: list[str] = field(default_factory=list)

    @property
    def assumed_in_person(self) -> int:
        return sum(p.attendance_assumed for p in self.people)


def is_people_header(header: list[str]) -> bool:
    return bool(pick(header, *PEOPLE_NAME) or (pick(header, *PEOPLE_FIRST) and pick(header, *PEOPLE_LAST)))


def people_format(table: Table) -> str:
    header = table.header
    if "submission #" in header and "person #" in header:
        return "EasyChair author.csv"
    if "middle initial (optional)" in header or (
        "organization" in header and "first name" in header and "tab" in table.description
    ):
        return "CMT people export"
    return "people CSV"


def read_people(path: Path) -> PeopleFile:
    """Registrations: `name` (or first and last name), optional `email`, `affiliation`, `attendance`
    (in person | online; default in person, counted as assumed) and `organizer` (yes/no)."""
    table = read_table(path, is_people_header)
    fname, header = table.file, table.header
    kind = people_format(table)
    col_name = pick(header, *PEOPLE_NAME)
    col_first, col_last = pick(header, *PEOPLE_FIRST), pick(header, *PEOPLE_LAST)
    col_middle = pick(header, *PEOPLE_MIDDLE)
    if not col_name and not (col_first and col_last):
        raise InvalidFile(
            [Problem(fname, table.header_at, "the header has no name column (or first name and last name)")]
        )
    col_email, col_aff = pick(header, *PEOPLE_EMAIL), pick(header, *PEOPLE_AFFILIATION)
    col_att, col_org = pick(header, *PEOPLE_ATTENDANCE), pick(header, *PEOPLE_ORGANIZER)
    repeats_allowed = kind == "EasyChair author.csv"  # one row per author per paper
    problems: list[Problem] = []
    people: list[PersonRef] = []
    seen_emails: dict[str, int | str] = {}
    for line, row in table.rows:
        if col_name:
            raw = row.get(col_name, "")
        else:
            first = " ".join(x for x in (row.get(col_first, ""), row.get(col_middle, "") if col_middle else "") if x)
            raw = f"{row.get(col_last, '')}, {first}"
        if not raw.strip(" ,"):
            problems.append(Problem(fname, line, "name: empty"))
            continue
        name, sort_name = split_name(raw.strip(" ,"))
        if len(name) > 200:
            problems.append(Problem(fname, line, "name: longer than 200 characters"))
        email = normalise_email(row.get(col_email)) if col_email else None
        if email and not EMAIL.match(email):
            problems.append(Problem(fname, line, f"{col_email}: {email!r} is not an e-mail address"))
        elif email and email in seen_emails:
            if repeats_allowed:
                continue
            problems.append(Problem(fname, line, f"email: {email} is already on line {seen_emails[email]}"))
        elif email:
            seen_emails[email] = line
        attendance, assumed = "in_person", True
        if col_att and row.get(col_att, "").strip():
            word = " ".join(row.get(col_att, "").lower().split())
            if word not in ATTENDANCE_WORDS:
                problems.append(Problem(fname, line, f"attendance: {word!r} is not 'in person' or 'online'"))
            attendance, assumed = ATTENDANCE_WORDS.get(word, "in_person"), False
        organizer = None
        if col_org:
            flag = row.get(col_org, "").strip().lower()
            if flag not in YES | NO:
                problems.append(Problem(fname, line, f"organizer: {flag!r} is not yes or no"))
            organizer = flag in YES
        affiliation = text(row.get(col_aff, "")) if col_aff else ""
        people.append(
            PersonRef(name, sort_name, email, affiliation, attendance, organizer, line, attendance_assumed=assumed)
        )
    if problems:
        raise InvalidFile(problems)
    warnings = list(table.warnings)
    return PeopleFile(f"{kind} ({table.description})", people, warnings)


def parse_people_csv(path: Path) -> list[PersonRef]:
    """The people of a people file (see read_people)."""
    return read_people(path).people
