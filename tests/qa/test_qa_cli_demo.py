"""`eventapp export questions` and the demo questions."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from eventapp.cli import main
from eventapp.qa.exports import export_rows


def test_demo_seeds_polite_synthetic_questions_with_real_vote_rows(qa_app):
    rows = export_rows("keynote-1")
    assert len(rows) == 4
    from sqlmodel import func, select

    from eventapp.db import session_scope
    from eventapp.qa.models import Question, Vote

    with session_scope() as s:
        for q in s.exec(select(Question)):
            counted = s.exec(select(func.count()).select_from(Vote).where(Vote.question_id == q.id)).one()
            assert q.votes == counted


def test_export_questions_command(qa_app, tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTAPP_DATABASE_URL", qa_app.config["DATABASE_URL"])
    runner = CliRunner()
    result = runner.invoke(main, ["export", "questions", "--format", "json"])
    assert result.exit_code == 0, result.output
    day = json.loads(result.output)["questions"]
    assert {q["slot_id"] for q in day} == {"keynote-1", "talk-L1"}
    out = tmp_path / "notreached.csv"
    result = runner.invoke(main, ["export", "questions", "--slot", "keynote-1", "--unanswered", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [int(r["votes"]) for r in rows] == [7, 4]  # open ones only, most votes first
    bad = runner.invoke(main, ["export", "questions", "--slot", "nope"])
    assert bad.exit_code == 1 and "nope" in bad.output
