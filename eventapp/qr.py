"""QR codes as inline SVG (vector, crisp on paper and projectors), the one way the app draws them."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


@lru_cache(maxsize=4096)  # a badge sheet draws every attendee's code again on each visit; the codes rarely change
def qr_svg(text: str, *, box_size: int = 10, border: int = 4, error_correction: int = ERROR_CORRECT_M) -> str:
    """An <svg> element (no XML declaration) ready to embed in a page; scale it with CSS width."""
    qr = qrcode.QRCode(error_correction=error_correction, box_size=box_size, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    img = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1].lstrip()
    return svg


def qr_version(text: str, *, error_correction: int = ERROR_CORRECT_M) -> int:
    """The smallest QR version that holds `text` (badge codes must stay at version 3 or below)."""
    qr = qrcode.QRCode(error_correction=error_correction)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.version
