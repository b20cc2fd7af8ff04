"""The report written out: JSON, CSV (one row per paper, for the publisher's no-show list), standalone HTML
(inline SVG charts, our stylesheet inlined, no script) and PDF, chosen by the file's extension."""

from __future__ import annotations

import json
from typing import Any

from flask import render_template
from markupsafe import Markup

from ..csvexport import csv_text
from ..paths import resource_dir
from . import charts

FORMATS = (".json", ".csv", ".html", ".htm", ".pdf")
CSV_COLUMNS = (
    "paper_id",
    "title",
    "status",
    "derived_status",
    "slot_id",
    "room_id",
    "session_title",
    "mode",
    "planned_start",
    "actual_start",
    "actual_end",
    "authors_present",
    "authors_present_at",
    "chair",
    "timer_run_by",
    "questions_asked",
    "questions_answered",
    "timer_record",
    "note",
)


def csv_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per paper, the same facts as the JSON's papers (lists joined with '; ')."""
    rows = []
    for p in report["papers"]:
        present = p.get("authors_present") or []
        rows.append(
            {
                "paper_id": p["paper_id"],
                "title": p["title"],
                "status": p["status"],
                "derived_status": p.get("derived_status", ""),
                "slot_id": p["slot_id"] or "",
                "room_id": p["room_id"] or "",
                "session_title": p.get("session_title", ""),
                "mode": p.get("mode") or "",
                "planned_start": p["planned_start"] or "",
                "actual_start": p["actual_start"] or "",
                "actual_end": p["actual_end"] or "",
                "authors_present": "; ".join(a["name"] for a in present),
                "authors_present_at": "; ".join(a["checked_in_at"] or "" for a in present),
                "chair": p.get("chair") or "",
                "timer_run_by": "; ".join(p.get("timer_run_by") or []),
                "questions_asked": p["questions"]["asked"],
                "questions_answered": p["questions"]["answered"],
                "timer_record": "yes" if p.get("timer_record") else "no",
                "note": p.get("note", ""),
            }
        )
    return rows


def to_csv(report: dict[str, Any]) -> str:
    return csv_text(CSV_COLUMNS, csv_rows(report))


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def svg_charts(report: dict[str, Any]) -> dict[str, Markup]:
    """The three charts as inline SVG, ready for a template (all text in them is escaped by `charts.to_svg`)."""
    timing, arrivals, questions = charts.all_charts(report)
    return {
        "timing": Markup(charts.to_svg(timing)),
        "arrivals": Markup(charts.to_svg(arrivals)),
        "questions": Markup(charts.to_svg(questions)),
    }


def standalone_html(app: Any, report: dict[str, Any]) -> str:
    """The report as one HTML file that opens and prints anywhere: our stylesheet inlined, charts inline SVG."""
    css = (resource_dir("static") / "css" / "report.css").read_text(encoding="utf-8")
    with app.test_request_context("/report"):
        return render_template("report/standalone.html", report=report, charts=svg_charts(report), report_css=css)
