"""Importers: program JSON, accepted-papers CSV, people CSV. Good files import and re-import without
duplicates; bad files name file, line and field, exit non-zero and change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import func, select

from eventapp import cli, db
from eventapp.program import importing as importers
from eventapp.program import service
from eventapp.program.models import Authorship, Paper, Person, Slot

DATA = Path(__file__).parent / "data"


def count(model) -> int:
    with db.session_scope() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def apply(parse, apply_fn, path: Path) -> int:
    records = parse(path)
    with db.session_scope() as s:
        return apply_fn(s, records)


def load_all():
    apply(importers.parse_people_csv, service.apply_people, DATA / "people.csv")
    apply(importers.parse_papers_csv, service.apply_papers, DATA / "papers.csv")
    apply(importers.parse_program_json, service.apply_program, DATA / "program.json")


def test_split_name_reads_both_orders():
    assert importers.split_name("Chen, Hao") == ("Hao Chen", "Chen, Hao")
    assert importers.split_name("Hao Chen") == ("Hao Chen", "Chen, Hao")
    assert importers.split_name("Karagoz, Gizem Nur*") == ("Gizem Nur Karagoz", "Karagoz, Gizem Nur")
    assert importers.split_name("Plato") == ("Plato", "Plato")


def test_papers_csv_in_last_first_form():
    papers = importers.parse_papers_csv(DATA / "papers.csv")
    assert [p.id for p in papers] == ["P1", "P2", "P3"]
    assert [a.name for a in papers[0].authors] == ["Ji-woo Kim", "Min Park", "Sora Lee"]
    assert papers[0].format == "long oral"


def test_papers_csv_with_a_column_per_author_and_emails():
    papers = importers.parse_papers_csv(DATA / "papers_columns.csv")
    ada, charles = papers[0].authors
    assert (ada.name, ada.email, ada.affiliation) == ("Ada Lovelace", "ada@example.org", "Analytical Engines Ltd")
    assert charles.email == "cb@example.org"  # e-mails are matched lower-case
    assert [a.name for a in papers[1].authors] == ["Grace Hopper"]
    assert papers[1].format == "Short oral"


def test_import_builds_the_program_and_links_people(app):
    load_all()
    program = service.program_payload()
    assert program["event"]["name"] == "Test Workshop on Trustworthy Care"
    slots = program["sessions"][0]["slots"]
    assert [s["id"] for s in slots] == ["t1", "t2", "coffee", "t3"]
    assert slots[0]["title"] == "Trustworthy Triage with Calibrated Uncertainty"  # from the paper
    assert slots[0]["starts_at"] == "2024-08-04T08:30:00+09:00"
    assert slots[0]["ends_at"] == "2024-08-04T08:50:00+09:00"
    assert slots[0]["presenter"] == "Ji-woo Kim"
    assert slots[1]["mode"] == "remote"
    assert slots[3]["fixed_start"] is True
    assert (slots[3]["talk_seconds"], slots[3]["qa_seconds"]) == (1800, 600)
    assert program["sessions"][0]["chair"] == "Eva Novak"
    assert program["notes"][0]["text"] == "The closing keynote moved to 09:20."
    # The people CSV's Ji-woo Kim (by e-mail-less name match) is the paper's first author: one person.
    with db.session_scope() as s:
        kims = list(s.exec(select(Person).where(Person.name == "Ji-woo Kim")))
    assert len(kims) == 1
    assert kims[0].attendance == "in_person"
    assert kims[0].affiliation == "Seoul Clinic AI Lab"


def test_reimport_updates_and_never_duplicates(app, tmp_path):
    load_all()
    before = (count(Person), count(Paper), count(Authorship), count(Slot))
    load_all()
    assert (count(Person), count(Paper), count(Authorship), count(Slot)) == before
    changed = tmp_path / "papers.csv"
    changed.write_text((DATA / "papers.csv").read_text().replace("Fair Segmentation", "Fairer Segmentation"))
    apply(importers.parse_papers_csv, service.apply_papers, changed)
    with db.session_scope() as s:
        assert s.get(Paper, "P2").title == "Fairer Segmentation Across Scanners"
    assert count(Person) == before[0]


def test_a_person_on_two_papers_is_one_person(app):
    load_all()
    program = service.program_payload()
    by_id = {p["id"]: p for p in program["papers"]}
    park_p1 = next(a for a in by_id["P1"]["authors"] if a["name"] == "Min Park")
    park_p2 = next(a for a in by_id["P2"]["authors"] if a["name"] == "Min Park")
    assert park_p1["person_id"] == park_p2["person_id"]


def test_two_people_with_one_name_stay_two_when_emails_differ(app, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name,email\nSora Lee,sora.lee@example.org\nSora Lee,sora.l@example.net\n")
    apply(importers.parse_people_csv, service.apply_people, people)
    with db.session_scope() as s:
        assert len(list(s.exec(select(Person).where(Person.name == "Sora Lee")))) == 2


def test_removing_a_slot_from_the_program_file_removes_it(app, tmp_path):
    load_all()
    doc = json.loads((DATA / "program.json").read_text())
    doc["sessions"][0]["slots"] = [s for s in doc["sessions"][0]["slots"] if s["id"] != "coffee"]
    changed = tmp_path / "program.json"
    changed.write_text(json.dumps(doc))
    apply(importers.parse_program_json, service.apply_program, changed)
    assert count(Slot) == 3


def problems(parse, path: Path) -> list[str]:
    with pytest.raises(importers.InvalidFile) as exc:
        parse(path)
    return [str(p) for p in exc.value.problems]


def test_bad_papers_csv_names_each_line_and_field():
    found = problems(importers.parse_papers_csv, DATA / "papers_bad.csv")
    assert "papers_bad.csv:3: id: P1 is already on line 2" in found
    assert "papers_bad.csv:4: title: empty" in found
    assert any(p.startswith("papers_bad.csv:5: id:") for p in found)
    assert "papers_bad.csv:6: authors: no author" in found
    assert "papers_bad.csv:7: emails: 1 e-mails for 2 authors" in found
    assert "papers_bad.csv:8: emails: 'not-an-email' is not an e-mail address" in found


def test_bad_program_json_names_lines_and_fields():
    found = problems(importers.parse_program_json, DATA / "program_bad.json")
    text = "\n".join(found)
    assert "program_bad.json:2: event.date: '2024-13-01' is not a date as YYYY-MM-DD" in found
    assert "program_bad.json:2: event.timezone:" in text
    assert "program_bad.json:5: sessions[0].room_id: 'nowhere' is not one of the rooms" in found
    assert "program_bad.json:7: sessions[0].slots[0].title: expected a non-empty string" in found
    assert "program_bad.json:8: sessions[0].slots[1].talk: -5 is not a duration of 0 to 24 hours" in text
    assert "program_bad.json:8: sessions[0].slots[1].id: t1 is already used by sessions[0].slots[0]" in found


def test_bad_times_in_a_program_are_named(tmp_path):
    doc = json.loads((DATA / "program.json").read_text())
    doc["sessions"][0]["slots"][0]["start"] = "8h30"
    doc["sessions"][0]["slots"][1]["start"] = "2024-08-04T08:50"  # no offset
    doc["sessions"][0]["slots"][3]["start"] = "09:10"  # the coffee break runs 09:00-09:20
    path = tmp_path / "program.json"
    path.write_text(json.dumps(doc, indent=1))
    found = "\n".join(problems(importers.parse_program_json, path))
    assert "sessions[0].slots[0].start: expected a time as HH:MM, got '8h30'" in found
    assert "sessions[0].slots[1].start: '2024-08-04T08:50' is not HH:MM or an ISO 8601 time with an offset" in found
    assert "slot t3 starts before coffee ends (room hall)" in found


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "people.csv:1: the file is empty; it needs a header row"),
        ("email\nx@example.org\n", "people.csv:1: the header has no name column (or first name and last name)"),
        ("name,attendance\nAda,sometimes\n", "people.csv:2: attendance: 'sometimes' is not 'in person' or 'online'"),
        (
            "name,email\nAda,ada@example.org\nBob,ADA@example.org\n",
            "people.csv:3: email: ada@example.org is already on line 2",
        ),
        ("name,organizer\nAda,maybe\n", "people.csv:2: organizer: 'maybe' is not yes or no"),
        ("name,email\n,x@example.org\n", "people.csv:2: name: empty"),
        (
            "name\nAda,extra\n",
            "people.csv:2: 2 fields but the header (line 1) has 1: quote fields that hold the delimiter",
        ),
    ],
)
def test_bad_people_csv(tmp_path, content, message):
    path = tmp_path / "people.csv"
    path.write_text(content)
    assert message in problems(importers.parse_people_csv, path)


def test_windows_1252_is_read_with_a_warning_and_bad_json_is_clear(tmp_path):
    latin = tmp_path / "people.csv"
    latin.write_bytes("name\nJos\xe9 \u2018Pepe\u2019\n".encode("cp1252"))
    read = importers.read_people(latin)
    assert [p.name for p in read.people] == ["Jos\xe9 \u2018Pepe\u2019"]
    assert "not UTF-8, read as Windows-1252" in read.warnings[0] and "CSV UTF-8" in read.warnings[0]
    broken = tmp_path / "program.json"
    broken.write_text('{\n  "event": {\n    "name": "x",\n  }\n}\n')
    assert problems(importers.parse_program_json, broken)[0].startswith("program.json:4: not valid JSON")


def test_a_first_and_last_name_header_works(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("First Name,Last Name,Email Address\nJi-woo,Kim,JIWOO@example.org\n")
    (person,) = importers.parse_people_csv(path)
    assert (person.name, person.sort_name, person.email) == ("Ji-woo Kim", "Kim, Ji-woo", "jiwoo@example.org")


# --- through the command line ---------------------------------------------------------------------------


def run(env, *args):
    return CliRunner().invoke(cli.main, list(args), env=env, catch_exceptions=False)


def test_cli_import_reports_counts(cli_env):
    assert run(cli_env, "import", "people", str(DATA / "people.csv")).output.startswith("imported 3 people")
    assert "imported 3 papers" in run(cli_env, "import", "papers", str(DATA / "papers.csv")).output
    result = run(cli_env, "import", "program", str(DATA / "program.json"))
    assert result.exit_code == 0
    assert "imported 4 slots" in result.output


def test_cli_bad_file_exits_non_zero_and_changes_nothing(cli_env):
    result = run(cli_env, "import", "papers", str(DATA / "papers_bad.csv"))
    assert result.exit_code == 1
    assert "papers_bad.csv:3: id: P1 is already on line 2" in result.output
    assert count(Paper) == 0  # not even the good line 2


def test_cli_program_before_its_papers_changes_nothing(cli_env):
    result = run(cli_env, "import", "program", str(DATA / "program.json"))
    assert result.exit_code == 1
    assert "program.json:8: slot t1: paper P1 is not imported (import the papers first)" in result.output
    assert count(Slot) == 0


def test_cli_missing_file_is_a_clear_error(cli_env, tmp_path):
    result = run(cli_env, "import", "people", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1
    assert "cannot read the file" in result.output
