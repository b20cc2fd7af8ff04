"""`eventapp report` and `eventapp certificates` on a demo day run by timer commands and check-ins; then purge."""

from __future__ import annotations

import csv
import io
import json

from pypdf import PdfReader
from report_helpers import author, run_morning

from eventapp.report.pdf import STATUS_WORDS

from tests_support import run_cli


def run_day(day) -> None:
    run_morning(day)
    day.go_to("talk-S6")
    day.timer("start")  # the approved remote talk
    day.timer("next")
    day.check_in(author("S7", 0))
    day.timer("start")  # S7, its author here
    day.timer("next")


def test_report_files_agree_and_the_pdf_lists_every_paper_with_its_status(day, cli_env, tmp_path):
    run_day(day)
    out = {ext: tmp_path / f"report.{ext}" for ext in ("json", "csv", "pdf", "html")}
    for path in out.values():
        assert f"written to {path}" in run_cli(cli_env, "report", "--out", str(path))
    report = json.loads(out["json"].read_text(encoding="utf-8"))
    papers = {p["paper_id"]: p for p in report["papers"]}
    assert papers["S6"]["status"] == "presented_remote" and papers["S7"]["status"] == "presented_in_person"
    assert papers["S5"]["status"] == "no_show"  # the timer went past it to reach S6
    assert papers["S8"]["status"] == "not_yet"  # the timer stands on it
    # CSV matches JSON: one row per paper, same statuses and times.
    rows = list(csv.DictReader(io.StringIO(out["csv"].read_text(encoding="utf-8"))))
    assert [r["paper_id"] for r in rows] == [p["paper_id"] for p in report["papers"]]
    for row in rows:
        p = papers[row["paper_id"]]
        assert row["title"] == p["title"] and row["status"] == p["status"]
        assert row["actual_start"] == (p["actual_start"] or "") and row["actual_end"] == (p["actual_end"] or "")
        assert row["authors_present"] == "; ".join(a["name"] for a in p["authors_present"])
        assert int(row["questions_asked"]) == p["questions"]["asked"]
    # The PDF, read back: every paper's id with its status on its row.
    text = "\n" + "\n".join(page.extract_text() for page in PdfReader(str(out["pdf"])).pages) + "\n"
    for p in report["papers"]:
        assert f"\n{p['paper_id']}\n{STATUS_WORDS[p['status']]}\n" in text, p["paper_id"]
    # HTML: charts drawn by the server, nothing fetched, nothing run.
    html = out["html"].read_text(encoding="utf-8")
    assert (
        html.count("<svg") == 3
        and "<script" not in html
        and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
        and "https://" not in html
    )
    for p in report["papers"]:
        assert f'data-paper="{p["paper_id"]}" data-status="{p["status"]}"' in html
    assert "must end in" in run_cli(cli_env, "report", "--out", str(tmp_path / "report.txt"), code=2)


def test_certificates_then_purge_keeps_statuses_and_times_without_people(day, cli_env, tmp_path):
    run_day(day)
    before = json.loads(
        (lambda p: (run_cli(cli_env, "report", "--out", str(p)), p.read_text())[1])(tmp_path / "a.json")
    )
    presented = [p for p in before["papers"] if p["status"] in ("presented_in_person", "presented_remote")]
    checked_in = before["attendance"]["checked_in_in_person"]
    pdf = tmp_path / "certificates.pdf"
    assert f"{checked_in + len(presented)} certificates" in run_cli(cli_env, "certificates", "--out", str(pdf))
    pages = PdfReader(str(pdf)).pages
    assert len(pages) == checked_in + len(presented)
    text = "\n".join(page.extract_text() for page in pages)
    assert text.count("Certificate of Attendance") == checked_in
    assert text.count("Certificate of Presentation") == len(presented)
    only = tmp_path / "one.pdf"
    person = before["papers"][0]["authors_present"][0]["person_id"]
    run_cli(cli_env, "certificates", "--out", str(only), "--kind", "attendance", "--person", str(person))
    assert len(PdfReader(str(only)).pages) == 1

    run_cli(cli_env, "purge", "--yes")
    after = json.loads((lambda p: (run_cli(cli_env, "report", "--out", str(p)), p.read_text())[1])(tmp_path / "b.json"))
    assert after["purged"] and after["purged_at"]
    for b, a in zip(before["papers"], after["papers"], strict=True):
        assert (a["paper_id"], a["status"], a["planned_start"], a["actual_start"], a["actual_end"]) == (
            b["paper_id"],
            b["status"],
            b["planned_start"],
            b["actual_start"],
            b["actual_end"],
        )
        assert a["authors_present"] == [] and a["authors_present_count"] == len(b["authors_present"])
        assert "timer_run_by" not in a and "excuse" not in a
    assert after["talks"] == before["talks"]
    assert "purged" in run_cli(cli_env, "certificates", "--out", str(tmp_path / "c.pdf"), code=1)


def test_without_an_event_the_commands_say_so(app, cli_env, tmp_path):
    assert "none loaded" in run_cli(cli_env, "report", "--out", str(tmp_path / "r.json"), code=1)
    assert "none loaded" in run_cli(cli_env, "certificates", "--out", str(tmp_path / "c.pdf"), code=1)
    assert "must end in .pdf" in run_cli(cli_env, "certificates", "--out", str(tmp_path / "c.html"), code=2)
