"""Print-ready badges as a vector PDF (reportlab): four A6 badges on each A4 page, cut lines drawn, the QR drawn as
filled squares so it stays crisp at any size. Pure: faces in, bytes out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..pdf_fonts import SANS, SANS_BOLD, draw_centred_string, register_sans, string_width, wrap

QR_MM = 32  # at least 25 mm wide: reads from arm's length on a phone

# Names in every script: the app's Latin TrueType font, and CJK runs in CID fonts (eventapp.pdf_fonts).
REGULAR, BOLD = SANS, SANS_BOLD


@dataclass(frozen=True)
class BadgeFace:
    name: str
    affiliation: str
    roles: str
    papers: str
    code: str
    short_code: str
    event: str
    note: str = ""


def _centred(c: Canvas, cx: float, y: float, text: str, size: float, bold: bool = False) -> None:
    draw_centred_string(c, cx, y, text, BOLD if bold else REGULAR, size, bold)


def _qr(c: Canvas, code: str, x: float, y: float, width: float) -> None:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(code)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    cell = width / n
    c.setFillGray(0)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(x + col * cell, y + (n - 1 - r) * cell, cell, cell, stroke=0, fill=1)


def _badge(c: Canvas, b: BadgeFace, x0: float, y0: float, w: float, h: float) -> None:
    cx = x0 + w / 2
    inner = w - 16 * mm
    c.setStrokeGray(0.6)
    c.setLineWidth(0.5)
    c.rect(x0, y0, w, h, stroke=1, fill=0)  # cut line
    c.setFillGray(0)
    top = y0 + h - 14 * mm
    _centred(c, cx, top, b.event, 10)
    size = 26 if string_width(b.name, BOLD, 26, bold=True) <= inner else 20
    y = top - 16 * mm
    for line in wrap(b.name, BOLD, size, inner, bold=True)[:2]:
        _centred(c, cx, y, line, size, bold=True)
        y -= size * 1.15
    for line in wrap(b.affiliation, REGULAR, 11, inner)[:2]:
        _centred(c, cx, y, line, 11)
        y -= 14
    _centred(c, cx, y - 4, b.roles.upper(), 11, bold=True)
    if b.papers:
        for i, line in enumerate(wrap("Papers: " + b.papers, REGULAR, 10, inner)[:2]):
            _centred(c, cx, y - 20 - i * 12, line, 10)
    qr_w = QR_MM * mm
    qy = y0 + 16 * mm
    _qr(c, b.code, cx - qr_w / 2, qy, qr_w)
    _centred(c, cx, qy - 6 * mm, f"Desk code {b.short_code}", 12, bold=True)
    if b.note:
        _centred(c, cx, y0 + 4 * mm, (wrap(b.note, REGULAR, 7, inner) or [""])[0], 7)


def badges_pdf(faces: Sequence[BadgeFace]) -> bytes:
    """Four A6 badges per A4 page (2 x 2)."""
    register_sans()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle("Badges")
    w, h = A4[0] / 2, A4[1] / 2
    for i in range(0, max(len(faces), 1), 4):
        for j, face in enumerate(faces[i : i + 4]):
            col, row = j % 2, j // 2
            _badge(c, face, col * w, A4[1] - (row + 1) * h, w, h)
        c.showPage()
    c.save()
    return out.getvalue()
