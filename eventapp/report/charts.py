"""The report's charts as plain shapes (rectangles, lines, text), drawn once here and written out as inline SVG
(HTML) or reportlab graphics (PDF). Greys and outlines only, so a black-and-white print reads the same.

Coordinates: origin top-left, y downwards (SVG's way); the PDF writer flips them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

LIGHT, MID, DARK, INK = "#d9d9d9", "#8c8c8c", "#404040", "#000000"
ROW = 14
LABEL_W = 150
PLOT_W = 380
WIDTH = LABEL_W + PLOT_W + 70


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str | None = None


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = INK
    dash: bool = False


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 8
    anchor: str = "start"  # start | end | middle


@dataclass
class Chart:
    title: str
    width: float
    height: float
    shapes: list[Rect | Line | Text] = field(default_factory=list)


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _parse(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def timing(report: dict[str, Any]) -> Chart:
    """Planned (light, outlined) against actual (dark) per talk on the day's clock, with each talk's drift."""
    talks = report["talks"]
    points = []
    for t in talks:
        ps = _parse(t["planned_start"])
        pe = ps.timestamp() + t["planned_seconds"] if ps else None
        a = _parse(t["actual_start"])
        ae = a.timestamp() + t["actual_seconds"] if a and t["actual_seconds"] is not None else None
        points.append((t, ps.timestamp() if ps else None, pe, a.timestamp() if a else None, ae))
    times = [x for p in points for x in p[1:] if x is not None]
    drift = report.get("drift") or {}
    worst = (
        "" if drift.get("max_seconds") is None else f"; the day's drift at worst {drift['max_seconds'] / 60:+.0f} min"
    )
    chart = Chart(
        f"Timing: planned (light) and actual (dark) per talk, each talk's start drift{worst}",
        WIDTH,
        30 + ROW * max(1, len(talks)) + 20,
    )
    if not times:
        chart.shapes.append(Text(10, 30, "No talks."))
        return chart
    t0, t1 = min(times), max(times)
    span = max(t1 - t0, 60.0)

    def x(ts: float) -> float:
        return LABEL_W + (ts - t0) / span * PLOT_W

    top = 20
    for i, (t, ps, pe, a, ae) in enumerate(points):
        y = top + i * ROW
        chart.shapes.append(Text(LABEL_W - 4, y + 10, _short(f"{t['slot_id']} {t['title']}"), 7, "end"))
        if ps is not None:
            chart.shapes.append(Rect(x(ps), y + 1, max(1.0, x(pe) - x(ps)), ROW - 2, LIGHT, MID))
        if a is not None:
            end = ae if ae is not None else a
            chart.shapes.append(Rect(x(a), y + 4, max(1.5, x(end) - x(a)), ROW - 8, DARK))
        drift = t.get("drift_seconds")
        label = "—" if drift is None else f"{drift / 60:+.0f} min"
        chart.shapes.append(Text(LABEL_W + PLOT_W + 6, y + 10, label, 7))
    bottom = top + len(points) * ROW + 2
    chart.shapes.append(Line(LABEL_W, bottom, LABEL_W + PLOT_W, bottom))
    first = _parse(talks[0]["planned_start"])
    tzinfo = first.tzinfo if first else None
    for k in range(5):
        ts = t0 + span * k / 4
        xx = x(ts)
        chart.shapes.append(Line(xx, top, xx, bottom, LIGHT, dash=True))
        chart.shapes.append(Text(xx, bottom + 11, datetime.fromtimestamp(ts, tzinfo).strftime("%H:%M"), 7, "middle"))
    return chart


def arrivals(report: dict[str, Any]) -> Chart:
    """Check-ins per quarter hour."""
    rows = report["attendance"].get("by_quarter_hour", [])
    height = 130
    chart = Chart("Arrivals per quarter hour", WIDTH, height)
    if not rows:
        chart.shapes.append(Text(10, 30, "No check-ins recorded (or none kept after purge)."))
        return chart
    peak = max(r["count"] for r in rows)
    bar_w = min(30.0, (WIDTH - 40) / len(rows))
    base = height - 22
    for i, r in enumerate(rows):
        h = (base - 20) * r["count"] / peak
        x = 20 + i * bar_w
        chart.shapes.append(Rect(x + 1, base - h, bar_w - 2, h, MID, INK))
        chart.shapes.append(Text(x + bar_w / 2, base - h - 2, str(r["count"]), 7, "middle"))
        if len(rows) <= 16 or i % 2 == 0:
            chart.shapes.append(Text(x + bar_w / 2, base + 10, r["hhmm"], 6, "middle"))
    chart.shapes.append(Line(20, base, 20 + len(rows) * bar_w, base))
    return chart


def questions(report: dict[str, Any]) -> Chart:
    """Questions asked (light) and answered (dark) per talk, talks with questions only."""
    talks = [t for t in report["talks"] if t["questions"]["asked"]]
    chart = Chart("Q&A per talk: asked (light) and answered (dark)", WIDTH, 30 + ROW * max(1, len(talks)))
    if not talks:
        chart.shapes.append(Text(10, 30, "No questions were asked."))
        return chart
    peak = max(t["questions"]["asked"] for t in talks)
    for i, t in enumerate(talks):
        y = 20 + i * ROW
        q = t["questions"]
        chart.shapes.append(Text(LABEL_W - 4, y + 10, _short(f"{t['slot_id']} {t['title']}"), 7, "end"))
        chart.shapes.append(Rect(LABEL_W, y + 1, PLOT_W * q["asked"] / peak, ROW - 2, LIGHT, MID))
        if q["answered"]:
            chart.shapes.append(Rect(LABEL_W, y + 4, PLOT_W * q["answered"] / peak, ROW - 8, DARK))
        chart.shapes.append(Text(LABEL_W + PLOT_W + 6, y + 10, f"{q['answered']}/{q['asked']}", 7))
    return chart


def all_charts(report: dict[str, Any]) -> list[Chart]:
    return [timing(report), arrivals(report), questions(report)]


def to_svg(chart: Chart) -> str:
    """Inline SVG (no script, no external reference); every text escaped."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width:.0f} {chart.height:.0f}" '
        f'role="img" aria-label="{escape(chart.title)}" class="report-chart" font-family="sans-serif">',
        f"<title>{escape(chart.title)}</title>",
    ]
    for s in chart.shapes:
        if isinstance(s, Rect):
            stroke = f' stroke="{s.stroke}" stroke-width="0.6"' if s.stroke else ""
            out.append(
                f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" fill="{s.fill}"{stroke}/>'
            )
        elif isinstance(s, Line):
            dash = ' stroke-dasharray="2 2"' if s.dash else ""
            out.append(
                f'<line x1="{s.x1:.1f}" y1="{s.y1:.1f}" x2="{s.x2:.1f}" y2="{s.y2:.1f}" '
                f'stroke="{s.stroke}" stroke-width="0.6"{dash}/>'
            )
        else:
            out.append(
                f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}" text-anchor="{s.anchor}" '
                f'fill="{INK}">{escape(s.text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
