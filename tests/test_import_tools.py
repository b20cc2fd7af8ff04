"""`eventapp import papers` with files as CMT and EasyChair export them (built by import_fixtures from the TAI4H
papers plus rejected ones): the decision decides, authors are read as the tools write them, --dry-run changes
nothing, --replace undoes a wrong import, every import is logged, errors name the file's real line."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import import_fixtures as fx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from eventapp import cli, db
from eventapp.checkin.models import CheckIn
from eventapp.program import importing as importers
from eventapp.program import service
from eventapp.program.models import (
    Authorship,
    Event,
    ImportLog,
    Paper,
    Person,
    Room,
    Session,
    Slot,
    WithdrawnPaper,
)

from tests_support import run_cli

LAYOUTS = ["xlsx", "csv", "tab", "utf16", "cp1252"]


def count(model) -> int:
    with db.session_scope() as s:
        return s.exec(select(func.count()).select_from(model)).one()


# --- reading --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cmt_export_as_it_comes_keeps_only_the_accepted(tmp_path, layout):
    path = fx.write_cmt(tmp_path / f"Papers.{layout}", layout)
    read = importers.read_papers(path)
    assert read.format.startswith("CMT papers export")
    assert "below 2 title rows" in read.format
    assert len(read.papers) == 13
    assert read.skipped == {"Reject": 8}
    first = read.papers[0]
    assert first.title == "Knowledge Injected Multimodal Irregular EHRs Model for Medical Prediction"
    liu, chen = first.authors
    assert (liu.name, liu.email, liu.affiliation, liu.contact) == (
        "Sicen Liu",
        "sicen.liu@example.org",
        "Harbin Institute of Technology (Shenzhen)",
        False,
    )
    assert (chen.name, chen.email, chen.contact) == ("Hao Chen", "hao.chen@example.org", True)  # no trailing *
    assert chen.affiliation.endswith("(Hong Kong University of Science and Technology (HKUST))")
    if layout != "cp1252":
        assert chen.affiliation.startswith("香港科技大学")
        viet = next(a for p in read.papers for a in p.authors if a.sort_name == "KHA, HIEN QUANG")
        assert viet.affiliation == "Trường Đại học Bách khoa Hà Nội"
        assert read.warnings == []
    else:
        assert "not UTF-8, read as Windows-1252" in read.warnings[0]
    assert [len(p.authors) for p in read.papers] == [len(p["authors"]) for p in fx.tai4h()["papers"]]


def test_cmt_sheet_says_where_its_header_is(tmp_path):
    read = importers.read_papers(fx.write_cmt(tmp_path / "Papers.xlsx", "xlsx"))
    assert "Excel workbook, sheet 'Papers', header on Papers!3 below 2 title rows" in read.format


def test_accept_adds_decisions_that_count(tmp_path):
    path = tmp_path / "papers.csv"
    rows = fx.cmt_sheet()
    status = rows[2].index("Status")
    rows[4][status] = "Accept (poster)"
    rows[5][status] = "Conditional Accept"
    path.write_text(fx.csv_text(rows), encoding="utf-8")
    read = importers.read_papers(path)
    assert "Conditional Accept" in read.skipped
    assert len(importers.read_papers(path, accept=("conditional accept",)).papers) == len(read.papers) + 1


def test_a_file_without_a_decision_is_all_accepted(tmp_path):
    rows = fx.cmt_sheet()
    status = rows[2].index("Status")
    path = tmp_path / "no-status.csv"
    path.write_text(fx.csv_text([[c for i, c in enumerate(r) if i != status] for r in rows]), encoding="utf-8")
    read = importers.read_papers(path)
    assert (len(read.papers), read.skipped) == (21, {})


def test_easychair_submission_and_author_side_by_side(tmp_path):
    submission, _ = fx.write_easychair(tmp_path)
    read = importers.read_papers(submission)
    assert read.format.startswith("EasyChair submission.csv + author.csv")
    assert len(read.papers) == 13 and read.skipped == {"reject": 8}
    liu, chen = read.papers[0].authors
    assert (liu.name, liu.email, liu.contact) == ("Sicen Liu", "sicen.liu@example.org", False)
    assert (chen.name, chen.email, chen.contact) == ("Hao Chen", "hao.chen@example.org", True)
    assert chen.affiliation == fx.AFFILIATIONS["Chen, Hao"]
    le = read.papers[1].authors
    assert [a.name for a in le][:3] == ["Linh Le", "Minh-Tien Nguyen", "Khai Tran"]


def test_easychair_authors_option_and_names_alone(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    submission, author = fx.write_easychair(folder)
    moved = tmp_path / "submission.csv"
    moved.write_bytes(submission.read_bytes())
    alone = importers.read_papers(moved)
    assert [a.name for a in alone.papers[0].authors] == ["Sicen Liu", "Hao Chen"]  # not 'Sicen Liu and Hao Chen'
    assert "no author.csv" in alone.warnings[0]
    joined = importers.read_papers(moved, authors=author)
    assert joined.papers[0].authors[1].email == "hao.chen@example.org"


def test_easychair_author_csv_alone_says_what_to_import(tmp_path):
    _, author = fx.write_easychair(tmp_path)
    with pytest.raises(importers.InvalidFile) as exc:
        importers.read_papers(author)
    assert "this is EasyChair's author.csv: import submission.csv" in str(exc.value)


def test_people_exports_as_they_come(tmp_path):
    cmt = importers.read_people(fx.write_cmt_people(tmp_path / "people.txt"))
    assert cmt.format.startswith("CMT people export")
    assert cmt.people[0].name == "Sicen Liu" and cmt.people[0].email == "sicen.liu@example.org"
    assert cmt.assumed_in_person == len(cmt.people)
    _, author = fx.write_easychair(tmp_path)
    easy = importers.read_people(author)  # the same e-mail on several rows: one person per paper, not an error
    assert easy.format.startswith("EasyChair author.csv")
    emails = [p.email for p in easy.people]
    assert len(emails) == len(set(emails)) and "hao.chen@example.org" in emails


# --- errors name the real line --------------------------------------------------------------------------


def test_csv_errors_count_title_rows_and_multi_line_fields(tmp_path):
    rows = fx.cmt_sheet()
    emails = rows[2].index("Author Emails")
    rows[5][emails] = rows[5][emails].replace("linh.le@example.org", "not-an-address", 1)  # row 6 of the sheet
    path = tmp_path / "Papers.csv"
    path.write_text(fx.csv_text(rows), encoding="utf-8")
    with pytest.raises(importers.InvalidFile) as exc:
        importers.read_papers(path)
    (problem,) = exc.value.problems
    # Title on line 1, blank line 2, header line 3, paper 1 on lines 4-5 (its abstract has two lines), paper 2
    # (rejected) on line 6: paper 3 starts on line 7, though it is the sheet's 6th row and the 3rd after the header.
    assert path.read_text(encoding="utf-8").splitlines()[6].startswith("3,")
    assert str(problem) == "Papers.csv:7: Author Emails: 'not-an-address*' is not an e-mail address"


def test_workbook_errors_name_sheet_and_row(tmp_path):
    rows = fx.cmt_sheet()
    emails = rows[2].index("Author Emails")
    rows[5][emails] = rows[5][emails].replace("linh.le@example.org", "not-an-address", 1)
    path = fx.write_xlsx(tmp_path / "Papers.xlsx", rows)
    with pytest.raises(importers.InvalidFile) as exc:
        importers.read_papers(path)
    assert str(exc.value) == "Papers.xlsx:Papers!6: Author Emails: 'not-an-address*' is not an e-mail address"


def test_an_old_xls_and_a_headerless_file_say_what_to_do(tmp_path):
    xls = tmp_path / "Papers.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(importers.InvalidFile) as exc:
        importers.read_papers(xls)
    assert "save it as .xlsx or as 'CSV UTF-8'" in str(exc.value)
    broken = tmp_path / "Papers.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(importers.InvalidFile) as exc:
        importers.read_papers(broken)
    assert str(exc.value).startswith("Papers.xlsx:1: not a readable .xlsx workbook")
    other = tmp_path / "list.csv"
    other.write_text("Papers\n\nnumber,name\n1,x\n")
    with pytest.raises(importers.InvalidFile) as exc:
        importers.read_papers(other)
    assert str(exc.value).startswith("list.csv:3: the header has no title or authors column")


# --- applying -------------------------------------------------------------------------------------------


def test_cli_imports_a_cmt_workbook_and_says_what_it_did(cli_env, tmp_path):
    path = fx.write_cmt(tmp_path / "Papers.xlsx", "xlsx")
    out = run_cli(cli_env, "import", "papers", str(path))
    assert "recognised: CMT papers export (Excel workbook" in out
    assert "imported 13 papers: 13 added, 0 updated, 0 unchanged, 0 withdrawn" in out
    assert "skipped 8: Reject (only accepted papers are imported)" in out
    assert count(Paper) == 13
    with db.session_scope() as s:
        chen = s.exec(select(Person).where(Person.email == "hao.chen@example.org")).one()
        assert chen.attendance == "in_person"  # the rule's assumption, said in the summary
        assert not s.exec(select(Person).where(Person.email.like("%*"))).first()
        people = s.exec(select(func.count()).select_from(Person)).one()
    assert people == len({a for p in fx.tai4h()["papers"] for a in p["authors"]})  # one person per e-mail
    assert f"attendance not given: {people} new people assumed to come in person" in out
    with db.session_scope() as s:
        contacts = s.exec(
            select(Authorship.paper_id, Person.name)
            .join(Person, Person.id == Authorship.person_id)
            .where(Authorship.contact)
        ).all()
    assert ("1", "Hao Chen") in contacts and len(contacts) == 13  # one contact author per paper, kept as a flag
    again = run_cli(cli_env, "import", "papers", str(path))
    assert "0 added, 0 updated, 13 unchanged" in again and "0 created" in again
    assert count(Person) == people
    with db.session_scope() as s:
        logs = list(s.exec(select(ImportLog).order_by(ImportLog.id)))
    assert [log.kind for log in logs] == ["papers", "papers"]
    assert logs[0].file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert logs[0].counts["added"] == 13 and logs[0].counts["skipped"] == {"Reject": 8}
    assert logs[0].by


def test_dry_run_changes_nothing(cli_env, tmp_path):
    path = fx.write_cmt(tmp_path / "Papers.xlsx", "xlsx")
    out = run_cli(cli_env, "import", "papers", str(path), "--dry-run")
    assert "would import 13 papers: 13 added" in out
    assert "dry run: nothing was changed" in out
    assert (count(Paper), count(Person), count(Authorship), count(ImportLog)) == (0, 0, 0, 0)


def _slot_for(paper_id: str) -> None:
    with db.session_scope() as s:
        s.add(Event(name="TAI4H", date=date(2024, 8, 4), timezone="Asia/Seoul"))
        s.add(Room(id="hall", name="Hall"))
        s.add(Session(id="s1", room_id="hall", title="Papers"))
        s.flush()
        title = s.get(Paper, paper_id).title
        s.add(
            Slot(
                id="t1",
                session_id="s1",
                kind="paper",
                title=title,
                paper_id=paper_id,
                talk_seconds=600,
                starts_at=datetime(2024, 8, 4, 1, 0, tzinfo=UTC),
            )
        )


def test_replace_undoes_an_import_of_every_submission(cli_env, tmp_path):
    rows = fx.cmt_sheet()
    status = rows[2].index("Status")
    wrong = tmp_path / "all.csv"  # the status column deleted: all 21 taken as accepted, as before this fix
    wrong.write_text(fx.csv_text([[c for i, c in enumerate(r) if i != status] for r in rows]), encoding="utf-8")
    run_cli(cli_env, "import", "papers", str(wrong))
    assert count(Paper) == 21
    _slot_for("5")  # a rejected paper already in the program
    with db.session_scope() as s:  # one of its authors has checked in
        kim = s.exec(select(Person).where(Person.name == "민준 김")).one()
        s.add(CheckIn(person_id=kim.id, scanned_at=datetime.now(UTC), nonce="n1"))
    people = count(Person)
    right = fx.write_cmt(tmp_path / "Papers.xlsx", "xlsx")
    preview = run_cli(cli_env, "import", "papers", str(right), "--replace", "--dry-run")
    assert "8 withdrawn" in preview and count(Paper) == 21
    out = run_cli(cli_env, "import", "papers", str(right), "--replace")
    assert "imported 13 papers: 0 added, 0 updated, 13 unchanged, 8 withdrawn" in out
    assert "withdrawn: 5 A Survey of Surveys on Trust" in out
    assert "warning: withdrawn paper 5 has authors already checked in: 민준 김" in out
    assert count(Paper) == 13 and count(WithdrawnPaper) == 8
    assert count(Person) == people  # nobody deleted
    program = service.program_payload()
    assert "5" not in {p["id"] for p in program["papers"]} and len(program["papers"]) == 13
    (slot,) = program["sessions"][0]["slots"]
    assert (slot["paper_id"], slot["title"]) == (None, "A Survey of Surveys on Trust")  # a talk without a paper
    from eventapp.checkin.badges import badges
    from eventapp.checkin.board import coverage_payload

    assert "5" not in {p["paper_id"] for p in coverage_payload()["papers"]}
    assert len(coverage_payload()["papers"]) == 13
    (badge,) = badges([kim.id])
    assert badge.papers == ()  # the badge's paper line leaves with the paper


def test_a_withdrawn_paper_imported_again_comes_back_to_its_talk(cli_env, tmp_path):
    rows = fx.cmt_sheet()
    status = rows[2].index("Status")
    everything = tmp_path / "all.csv"
    everything.write_text(fx.csv_text([[c for i, c in enumerate(r) if i != status] for r in rows]), encoding="utf-8")
    run_cli(cli_env, "import", "papers", str(everything))
    _slot_for("5")
    run_cli(cli_env, "import", "papers", str(fx.write_cmt(tmp_path / "Papers.xlsx", "xlsx")), "--replace")
    out = run_cli(cli_env, "import", "papers", str(everything), "--replace")
    assert "8 added" in out
    assert count(Paper) == 21 and count(WithdrawnPaper) == 0
    with db.session_scope() as s:
        assert s.get(Slot, "t1").paper_id == "5"


def test_people_merge_joins_two_records_of_one_person(cli_env, tmp_path):
    run_cli(cli_env, "import", "papers", str(fx.write_cmt(tmp_path / "Papers.xlsx", "xlsx")))
    with db.session_scope() as s:
        chen = s.exec(select(Person).where(Person.email == "hao.chen@example.org")).one()
        twin = Person(name="H. Chen", sort_name="Chen, H.", affiliation="HKUST")
        s.add(twin)
        s.flush()
        s.add(CheckIn(person_id=twin.id, scanned_at=datetime.now(UTC), nonce="n2"))
        s.add(Authorship(paper_id="1", position=5, person_id=twin.id))  # the same paper twice
        chen_id, twin_id = chen.id, twin.id
    before = count(Person)
    out = run_cli(cli_env, "people", "merge", str(chen_id), str(twin_id))
    assert f"merged #{twin_id} H. Chen into #{chen_id} Hao Chen" in out
    assert count(Person) == before - 1
    with db.session_scope() as s:
        assert s.exec(select(CheckIn.person_id)).all() == [chen_id]
        authors = s.exec(select(Authorship.person_id).where(Authorship.paper_id == "1")).all()
    assert authors.count(chen_id) == 1
    run_cli(cli_env, "people", "merge", str(chen_id), str(chen_id), code=1)


def test_people_import_is_logged_and_says_what_was_assumed(cli_env, tmp_path):
    out = run_cli(cli_env, "import", "people", str(fx.write_cmt_people(tmp_path / "people.txt")))
    assert "recognised: CMT people export" in out
    assert "attendance not given: 53 people assumed to come in person" in out
    with db.session_scope() as s:
        assert s.exec(select(ImportLog.kind)).all() == ["people"]


def test_export_program_before_any_program_is_a_clear_message(cli_env):
    result = CliRunner().invoke(cli.main, ["export", "program"], env=cli_env)
    assert result.exit_code == 1
    assert "no program loaded yet: run `eventapp import program FILE`" in result.output
    assert "Traceback" not in result.output


def test_the_import_log_can_be_read_and_a_program_naming_a_withdrawn_paper_says_so(cli_env, tmp_path):
    import json

    rows = fx.cmt_sheet()
    status = rows[2].index("Status")
    everything = tmp_path / "all.csv"
    everything.write_text(fx.csv_text([[c for i, c in enumerate(r) if i != status] for r in rows]), encoding="utf-8")
    run_cli(cli_env, "import", "papers", str(everything))
    run_cli(cli_env, "import", "papers", str(fx.write_cmt(tmp_path / "Papers.xlsx", "xlsx")), "--replace")
    log = [json.loads(line) for line in run_cli(cli_env, "export", "imports").splitlines()]
    assert [(e["kind"], e["file"], e["replace"]) for e in log] == [
        ("papers", "all.csv", False),
        ("papers", "Papers.xlsx", True),
    ]
    assert sorted(log[1]["counts"]["withdrawn"], key=int) == ["2", "5", "8", "11", "14", "17", "20", "21"]
    program = tmp_path / "program.json"
    program.write_text(
        json.dumps(
            {
                "event": {"name": "TAI4H", "date": "2024-08-04", "timezone": "Asia/Seoul"},
                "rooms": [{"id": "hall", "name": "Hall"}],
                "sessions": [
                    {
                        "id": "s1",
                        "room_id": "hall",
                        "title": "Papers",
                        "slots": [{"id": "t1", "kind": "paper", "paper_id": "5", "start": "09:00", "talk_minutes": 10}],
                    }
                ],
            }
        )
    )
    out = run_cli(cli_env, "import", "program", str(program), code=1)
    assert "slot t1: paper 5 was withdrawn: import it again or take paper_id out of the slot" in out


def test_dry_run_names_people_it_cannot_tell_apart(cli_env, tmp_path):
    with db.session_scope() as s:
        s.add(Person(name="Hao Chen", sort_name="Chen, Hao", email="hao@one.example"))
        s.add(Person(name="Hao Chen", sort_name="Chen, Hao", email="hao@two.example"))
    folder = tmp_path / "alone"
    folder.mkdir()
    submission, author = fx.write_easychair(folder)
    author.unlink()  # names only: no e-mail decides between the two
    out = run_cli(cli_env, "import", "papers", str(submission), "--dry-run")
    assert "warning: submission.csv: no author.csv beside it" in out
    assert "1 ambiguous" in out and "ambiguous (several people have the name" in out and "Hao Chen" in out
    assert count(Person) == 2 and count(Paper) == 0


def test_replace_with_no_accepted_paper_refuses_and_says_why(cli_env, tmp_path):
    run_cli(cli_env, "import", "papers", str(fx.write_cmt(tmp_path / "Papers.xlsx", "xlsx")))
    rows = fx.cmt_sheet()
    status = rows[2].index("Status")
    for row in rows[3:]:
        row[status] = "Akzeptiert" if row[status] == "Accept" else "Abgelehnt"
    path = tmp_path / "other.csv"
    path.write_text(fx.csv_text(rows), encoding="utf-8")
    out = run_cli(cli_env, "import", "papers", str(path), "--replace", code=1)
    assert "no accepted paper (skipped: 13 Akzeptiert, 8 Abgelehnt), so --replace would withdraw every paper" in out
    assert count(Paper) == 13
    assert "13 unchanged" in run_cli(cli_env, "import", "papers", str(path), "--replace", "--accept", "Akzeptiert")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".txt", ".json"]))
def test_any_bytes_are_read_or_refused_with_a_located_problem(tmp_path, data, suffix):
    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    for read in (importers.read_papers, importers.read_people):
        try:
            read(path)
        except importers.InvalidFile as exc:
            assert exc.problems and all(str(p).startswith(f"{path.name}:") for p in exc.problems)


def test_utf16_without_a_bom_and_semicolons_are_read(tmp_path):
    path = tmp_path / "papers.csv"
    path.write_bytes("id;title;authors\r\nP1;Eine Arbeit;Müller, Jörg\r\n".encode("utf-16-le"))
    (paper,) = importers.read_papers(path).papers
    assert (paper.title, paper.authors[0].name) == ("Eine Arbeit", "Jörg Müller")


def test_a_known_name_under_another_email_is_flagged_for_a_merge(cli_env, tmp_path):
    with db.session_scope() as s:
        s.add(Person(name="Hao Chen", sort_name="Chen, Hao", email="hao@old.example"))
    out = run_cli(cli_env, "import", "papers", str(fx.write_cmt(tmp_path / "Papers.xlsx", "xlsx")))
    assert "1 ambiguous" in out and "`eventapp people merge ID ID` joins two): Hao Chen" in out
