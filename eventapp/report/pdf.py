"""The report and certificates as vector PDF (reportlab). Pure: plain data in, bytes out.

Every piece of text goes through `draw_text` (and `text_width`): a Unicode TrueType font for Latin, Greek,
Cyrillic and the like, and reportlab's built-in CID fonts for runs of CJK characters (Hangul: HYSMyeongJo-Medium,
kana: HeiseiMin-W3, Han: STSong-Light, or HeiseiMin-W3 when the text also has kana), so names print in every
script: the runs and fonts are eventapp.pdf_fonts', shared with the badges.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from .. import pdf_fonts
from ..pdf_fonts import SANS, SANS_BOLD, register_sans
from . import charts

REGULAR, BOLD = SANS, SANS_BOLD


def _register() -> None:
    register_sans()


def runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """(font, piece) runs of `text`: CJK runs in their CID font, the rest in the Latin TrueType font."""
    register_sans()
    return pdf_fonts.runs(text, BOLD if bold else REGULAR, bold)


def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(piece, font, size) for font, piece in runs(text, bold))


def draw_text(
    c: Canvas, x: float, y: float, text: str, size: float, *, bold: bool = False, anchor: str = "start"
) -> None:
    """The one way this module writes text: per run of script, in a font that has its glyphs."""
    if anchor != "start":
        w = text_width(text, size, bold)
        x -= w if anchor == "end" else w / 2
    for font, piece in runs(text, bold):
        c.setFont(font, size)
        c.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, font, size)


def fit(text: str, size: float, width: float, bold: bool = False) -> str:
    """`text` cut with an ellipsis to fit `width`."""
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "…", size, bold) > width:
        text = text[:-1]
    return text + "…"


def wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Lines of `text` no wider than `width`: at spaces, or anywhere in CJK runs (which have none)."""
    lines: list[str] = []
    line = ""
    for word in text.replace("\n", " ").split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:  # a word wider than the line (or a CJK sentence): break it by characters
            if text_width(line + ch, size, bold) > width and line:
                lines.append(line)
                line = ""
            line += ch
    if line:
        lines.append(line)
    return lines or [""]


# --- the report ------------------------------------------------------------------------------------------

STATUS_WORDS = {
    "presented_in_person": "presented in person",
    "presented_remote": "presented remotely",
    "excused": "excused",
    "no_show": "NO-SHOW",
    "not_yet": "not yet",
}


def _chart(c: Canvas, chart: charts.Chart, x0: float, y_top: float, width: float) -> float:
    """Draw a chart with its top-left at (x0, y_top), scaled to `width`; returns its height on the page."""
    k = width / chart.width
    draw_text(c, x0, y_top - 10, chart.title, 9, bold=True)
    y_top -= 14

    def gx(x: float) -> float:
        return x0 + x * k

    def gy(y: float) -> float:
        return y_top - y * k

    for s in chart.shapes:
        if isinstance(s, charts.Rect):
            c.setFillColor(s.fill)
            c.setStrokeColor(s.stroke or s.fill)
            c.setLineWidth(0.5)
            c.rect(gx(s.x), gy(s.y + s.h), s.w * k, s.h * k, stroke=1 if s.stroke else 0, fill=1)
        elif isinstance(s, charts.Line):
            c.setStrokeColor(s.stroke)
            c.setLineWidth(0.5)
            c.setDash(2, 2) if s.dash else c.setDash()
            c.line(gx(s.x1), gy(s.y1), gx(s.x2), gy(s.y2))
            c.setDash()
        else:
            c.setFillColor(charts.INK)
            draw_text(c, gx(s.x), gy(s.y), s.text, s.size * k, anchor=s.anchor)
    c.setFillColor(charts.INK)
    return chart.height * k + 14


class _Pages:
    """A cursor down A4 pages: `need(h)` starts a new page when `h` points do not fit."""

    def __init__(self, c: Canvas, footer: str):
        self.c, self.footer = c, footer
        self.w, self.h = A4
        self.margin = 15 * mm
        self.page = 1
        self.y = self.h - self.margin

    def need(self, height: float) -> None:
        if self.y - height < self.margin + 10:
            self.new_page()

    def new_page(self) -> None:
        self._footer()
        self.c.showPage()
        self.page += 1
        self.y = self.h - self.margin

    def _footer(self) -> None:
        draw_text(self.c, self.margin, self.margin - 8, f"{self.footer} · page {self.page}", 7)

    def finish(self) -> None:
        self._footer()
        self.c.showPage()


def report_pdf(report: dict[str, Any]) -> bytes:
    """The report: heading and counts, the paper table (id, status, title, evidence), then the three charts."""
    _register()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, pageCompression=1)
    event = report["event"]
    c.setTitle(f"Presentation record: {event['name']}")
    pages = _Pages(c, f"{event['name']} · report generated {report['generated_at']}")
    m, width = pages.margin, pages.w - 2 * pages.margin
    for line in wrap(event["name"], 14, width, bold=True):
        draw_text(c, m, pages.y - 14, line, 14, bold=True)
        pages.y -= 18
    sub = f"{event['date']} ({event['timezone']}) · presentation record and report · generated {report['generated_at']}"
    draw_text(c, m, pages.y - 10, fit(sub, 8, width), 8)
    pages.y -= 14
    state = "final (the day is over)" if report.get("final") else "provisional (the day is not over)"
    if report.get("purged"):
        state += "; personal data purged, statuses and times kept"
    counts = " · ".join(f"{STATUS_WORDS[k]}: {v}" for k, v in report["summary"].items())
    draw_text(c, m, pages.y - 10, fit(f"{state}. {counts}", 8, width), 8)
    pages.y -= 14
    if event.get("synthetic"):
        draw_text(c, m, pages.y - 10, "Demo data: times, attendance and check-ins are made up.", 8, bold=True)
        pages.y -= 14
    att = report["attendance"]
    q = report["questions"]
    totals = (
        f"Registered {att['registered']} · checked in {att['checked_in']} · questions asked {q['asked']}, "
        f"approved {q['approved']}, answered {q['answered']}, votes {q['votes']}"
    )
    draw_text(c, m, pages.y - 10, fit(totals, 8, width), 8)
    pages.y -= 20

    cols = (m, m + 18 * mm, m + 50 * mm)  # id, status, title + evidence
    title_w = pages.w - m - cols[2]

    def header() -> None:
        for x, label in zip(cols, ("Paper", "Status", "Title · evidence"), strict=True):
            draw_text(c, x, pages.y - 9, label, 8, bold=True)
        c.setStrokeGray(0)
        c.line(m, pages.y - 12, pages.w - m, pages.y - 12)
        pages.y -= 16

    header()
    for p in report["papers"]:
        lines = wrap(p["title"], 8, title_w)[:3]
        evidence = _evidence(p)
        ev_lines = wrap(evidence, 6.5, title_w)[:4] if evidence else []
        height = 10 * len(lines) + 8 * len(ev_lines) + 4
        if pages.y - height < pages.margin + 10:
            pages.new_page()
            header()
        draw_text(c, cols[0], pages.y - 8, p["paper_id"], 8, bold=True)
        draw_text(c, cols[1], pages.y - 8, STATUS_WORDS.get(p["status"], p["status"]), 8, bold=p["status"] == "no_show")
        y = pages.y
        for line in lines:
            draw_text(c, cols[2], y - 8, line, 8)
            y -= 10
        c.setFillGray(0.25)
        for line in ev_lines:
            draw_text(c, cols[2], y - 7, line, 6.5)
            y -= 8
        c.setFillGray(0)
        pages.y = y - 4
        c.setStrokeGray(0.8)
        c.line(m, pages.y + 1, pages.w - m, pages.y + 1)
    gone = report.get("withdrawn") or []
    if gone:
        listed = "; ".join(f"{w['paper_id']} \u201c{w['title']}\u201d" for w in gone)
        ev_lines = wrap(f"Withdrawn (not in the record): {listed}", 7, width)
        pages.need(9 * len(ev_lines) + 6)
        for line in ev_lines:
            draw_text(c, m, pages.y - 9, line, 7)
            pages.y -= 9
        pages.y -= 6
    for chart in charts.all_charts(report):
        height = chart.height * width / chart.width + 24
        pages.need(height)
        pages.y -= _chart(c, chart, m, pages.y - 6, width) + 10
    pages.finish()
    c.save()
    return out.getvalue()


def _evidence(p: dict[str, Any]) -> str:
    parts = []
    if p.get("planned_start"):
        parts.append(f"planned {p['planned_start'][11:16]}")
    if p.get("actual_start"):
        end = p["actual_end"][11:16] if p.get("actual_end") else "…"
        parts.append(f"ran {p['actual_start'][11:16]}–{end}")
    present = p.get("authors_present") or []
    if present:
        parts.append("present: " + ", ".join(f"{a['name']} {a['checked_in_at'][11:16]}" for a in present))
    elif p.get("authors_present_count"):
        parts.append(f"{p['authors_present_count']} author(s) checked in")
    if p.get("chair"):
        parts.append(f"chair {p['chair']}")
    if p.get("timer_run_by"):
        parts.append("timer " + ", ".join(p["timer_run_by"]))
    qs = p.get("questions") or {}
    if qs.get("asked"):
        parts.append(f"questions {qs['answered']}/{qs['asked']} answered")
    if p.get("note"):
        parts.append(p["note"])
    return " · ".join(parts)


# --- certificates ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    kind: str  # attendance | presentation
    person_id: int
    name: str
    event: str
    host: str
    date: str  # as printed: "4 August 2024"
    paper_title: str = ""
    paper_id: str = ""
    note: str = ""


def certificates_pdf(items: Sequence[Certificate], signer: str = "The organizers") -> bytes:
    """One landscape A4 page per certificate."""
    _register()
    out = io.BytesIO()
    size = landscape(A4)
    c = Canvas(out, pagesize=size, pageCompression=1)
    c.setTitle("Certificates")
    w, h = size
    for item in items:
        _certificate(c, item, w, h, signer)
        c.showPage()
    if not items:
        draw_text(c, w / 2, h / 2, "No certificates to print.", 14, anchor="middle")
        c.showPage()
    c.save()
    return out.getvalue()


def _centred_lines(
    c: Canvas, text: str, y: float, size: float, width: float, *, bold: bool = False, limit: int = 3
) -> float:
    """Lines of `text` centred on the page (width `width` + 60 mm of margins), from `y` down; the next y."""
    cx = (width + 60 * mm) / 2
    for line in wrap(text, size, width, bold)[:limit]:
        draw_text(c, cx, y, line, size, bold=bold, anchor="middle")
        y -= size * 1.3
    return y


def _certificate(c: Canvas, item: Certificate, w: float, h: float, signer: str) -> None:
    c.setStrokeGray(0.3)
    c.setLineWidth(2)
    c.rect(12 * mm, 12 * mm, w - 24 * mm, h - 24 * mm)
    c.setLineWidth(0.5)
    c.rect(15 * mm, 15 * mm, w - 30 * mm, h - 30 * mm)
    inner = w - 60 * mm
    title = "Certificate of Attendance" if item.kind == "attendance" else "Certificate of Presentation"
    y = h - 45 * mm
    y = _centred_lines(c, title, y, 30, inner, bold=True, limit=1) - 10 * mm
    y = _centred_lines(c, "This certifies that", y, 13, inner) - 4 * mm
    y = _centred_lines(c, item.name, y, 26, inner, bold=True, limit=2) - 4 * mm
    if item.kind == "attendance":
        y = _centred_lines(c, "attended", y, 13, inner)
    else:
        y = _centred_lines(c, "presented the paper", y, 13, inner)
        y = _centred_lines(c, f"\u201c{item.paper_title}\u201d", y, 15, inner, bold=True) - 2 * mm
        y = _centred_lines(c, "at", y, 13, inner)
    y = _centred_lines(c, item.event, y - 2 * mm, 16, inner, bold=True, limit=2)
    if item.host:
        y = _centred_lines(c, item.host, y, 12, inner, limit=2)
    _centred_lines(c, item.date, y - 2 * mm, 12, inner, limit=1)
    draw_text(c, w - 40 * mm, 30 * mm, signer, 11, anchor="end")
    c.setStrokeGray(0)
    c.line(w - 110 * mm, 36 * mm, w - 40 * mm, 36 * mm)
    if item.note:
        draw_text(c, 25 * mm, 22 * mm, fit(item.note, 8, w - 50 * mm), 8)
