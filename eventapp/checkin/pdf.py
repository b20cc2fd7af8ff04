"""Print-ready badges as a small vector PDF: four A6 badges on each A4 page, the QR drawn as filled squares
(crisp at any size). Written by hand (PDF 1.4, Helvetica) so printing badges needs no extra dependency. Pure."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M

MM = 72 / 25.4
A4 = (595.28, 841.89)
QR_MM = 32  # at least 25 mm wide: reads from arm's length on a phone


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


def _text(s: str) -> str:
    data = s.encode("cp1252", "replace").decode("latin-1")
    return data.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _line(x: float, y: float, size: float, s: str, bold: bool = False) -> str:
    font = "/F2" if bold else "/F1"
    return f"BT {font} {size:.1f} Tf {x:.2f} {y:.2f} Td ({_text(s)}) Tj ET\n"


def _width(s: str, size: float) -> float:
    return len(s) * size * 0.55  # Helvetica's average advance: enough to centre and wrap a name


def _centered(cx: float, y: float, size: float, s: str, bold: bool = False) -> str:
    return _line(cx - _width(s, size) / 2, y, size, s, bold)


def _qr_ops(code: str, x: float, y: float, width: float) -> str:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(code)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    cell = width / n
    ops = ["0 0 0 rg\n"]
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                ops.append(f"{x + c * cell:.3f} {y + (n - 1 - r) * cell:.3f} {cell:.3f} {cell:.3f} re\n")
    ops.append("f\n")
    return "".join(ops)


def _badge_ops(b: BadgeFace, x0: float, y0: float, w: float, h: float) -> str:
    cx = x0 + w / 2
    out = ["0.6 G 0.5 w\n", f"{x0:.2f} {y0:.2f} {w:.2f} {h:.2f} re S\n", "0 g\n"]  # cut line
    top = y0 + h - 14 * MM
    out.append(_centered(cx, top, 10, b.event))
    size = 26 if len(b.name) <= 18 else 20
    lines = textwrap.wrap(b.name, 18 if size == 26 else 24)[:2] or [""]
    y = top - 16 * MM
    for line in lines:
        out.append(_centered(cx, y, size, line, bold=True))
        y -= size * 1.15
    for line in textwrap.wrap(b.affiliation, 44)[:2]:
        out.append(_centered(cx, y, 11, line))
        y -= 14
    out.append(_centered(cx, y - 4, 11, b.roles.upper(), bold=True))
    if b.papers:
        out.append(_centered(cx, y - 20, 10, "Papers: " + b.papers))
    qr_w = QR_MM * MM
    qy = y0 + 16 * MM
    out.append(_qr_ops(b.code, cx - qr_w / 2, qy, qr_w))
    out.append(_centered(cx, qy - 6 * MM, 12, f"Desk code {b.short_code}", bold=True))
    if b.note:
        out.append(_centered(cx, y0 + 4 * MM, 7, b.note[:60]))
    return "".join(out)


def badges_pdf(faces: Sequence[BadgeFace]) -> bytes:
    """Four A6 badges per A4 page (2 x 2), cut lines drawn."""
    w, h = A4[0] / 2, A4[1] / 2
    pages = []
    for i in range(0, max(len(faces), 1), 4):
        ops = []
        for j, face in enumerate(faces[i : i + 4]):
            col, row = j % 2, j // 2
            ops.append(_badge_ops(face, col * w, A4[1] - (row + 1) * h, w, h))
        pages.append("".join(ops).encode("latin-1"))
    objects: list[bytes] = []
    # 1 catalog, 2 pages, 3 regular font, 4 bold font, then (page, content) pairs.
    kids = " ".join(f"{5 + 2 * k} 0 R" for k in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    for k, content in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {A4[0]} {A4[1]}] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {6 + 2 * k} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
