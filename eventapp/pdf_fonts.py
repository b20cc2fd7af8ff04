"""Text in any script for every PDF the app draws (badges, and the report and certificates): a string is split
into runs and each run gets a font that has its glyphs. Latin (and Greek, Cyrillic, Vietnamese) keeps the
caller's TrueType font; Korean, Chinese and Japanese use reportlab's built-in CID fonts, which every PDF reader
supplies, so nothing is embedded or installed:

- Korean (Hangul, and Hanja in a Korean string): HYSMyeongJo-Medium, bold HYGothic-Medium
- Simplified Chinese: STSong-Light; Traditional Chinese: MSung-Light (no bold face: the same)
- Japanese (a string with kana): HeiseiMin-W3, bold HeiseiKakuGo-W5

Public: `SANS`, `SANS_BOLD` (after `register_sans()`), `runs`, `string_width`, `draw_string`,
`draw_centred_string`, `wrap`.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

# The Latin font of every PDF: a Unicode TrueType font so names outside Latin-1 print. DejaVu where the system has
# it (Debian's fonts-dejavu-core), else Bitstream Vera, which reportlab ships.
_SANS_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    (
        str(Path(pdfmetrics.__file__).parent.parent / "fonts" / "Vera.ttf"),
        str(Path(pdfmetrics.__file__).parent.parent / "fonts" / "VeraBd.ttf"),
    ),
)
SANS, SANS_BOLD = "AppSans", "AppSans-Bold"

KOREAN, SIMPLIFIED, TRADITIONAL, JAPANESE = "ko", "zh-Hans", "zh-Hant", "ja"
CJK_FONTS = {  # language -> (regular, bold)
    KOREAN: ("HYSMyeongJo-Medium", "HYGothic-Medium"),
    SIMPLIFIED: ("STSong-Light", "STSong-Light"),
    TRADITIONAL: ("MSung-Light", "MSung-Light"),
    JAPANESE: ("HeiseiMin-W3", "HeiseiKakuGo-W5"),
}


def register_sans() -> None:
    """Register SANS and SANS_BOLD once per process (before drawing any text with them)."""
    if SANS in pdfmetrics.getRegisteredFontNames():
        return
    for regular, bold in _SANS_CANDIDATES:
        if Path(regular).exists() and Path(bold).exists():
            pdfmetrics.registerFont(TTFont(SANS, regular))
            pdfmetrics.registerFont(TTFont(SANS_BOLD, bold))
            return
    raise RuntimeError("no TrueType font found for PDFs (install fonts-dejavu-core)")


def _is_hangul(ch: str) -> bool:
    o = ord(ch)
    return 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F or 0xA960 <= o <= 0xA97F


def _is_kana(ch: str) -> bool:
    o = ord(ch)
    return 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F


def is_cjk(ch: str) -> bool:
    """A character a Latin TrueType font lacks: Hangul, kana, Han, CJK punctuation and full-width forms."""
    o = ord(ch)
    return (
        _is_hangul(ch)
        or _is_kana(ch)
        or _is_han(ch)
        or 0x3000 <= o <= 0x303F
        or 0xFF00 <= o <= 0xFFEF
        or 0x3200 <= o <= 0x33FF
    )


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def language_of(text: str) -> str | None:
    """The CJK language a string is in (None: no CJK character). Hangul: Korean; kana: Japanese; Han alone: the
    first of GB 2312 (Simplified Chinese), Big5 (Traditional), JIS X 0208 (Japanese) that has every character."""
    cjk = [ch for ch in text if is_cjk(ch)]
    if not cjk:
        return None
    if any(_is_hangul(ch) for ch in cjk):
        return KOREAN
    if any(_is_kana(ch) for ch in cjk):
        return JAPANESE
    han = "".join(ch for ch in cjk if _is_han(ch))
    for codec, language in (("gb2312", SIMPLIFIED), ("big5", TRADITIONAL), ("euc_jp", JAPANESE)):
        if _encodes(han, codec):  # the first standard that has every character ('東京大学': JIS X 0208)
            return language
    return SIMPLIFIED


@cache
def cjk_font(language: str, bold: bool = False) -> str:
    """The registered name of the CID font for a language (registered on first use)."""
    name = CJK_FONTS[language][1 if bold else 0]
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def runs(text: str, font: str, bold: bool = False) -> list[tuple[str, str]]:
    """[(font, text), ...]: consecutive characters sharing a font. `font` is the caller's (Latin) font; spaces
    and punctuation stay in the run they are in, so 'Kim 김민준 (KAIST)' is three runs, not six."""
    language = language_of(text)
    if language is None:
        return [(font, text)] if text else []
    wide = cjk_font(language, bold)
    out: list[tuple[str, str]] = []
    for ch in text:
        if is_cjk(ch):
            chosen = wide
        elif ch.isspace() or unicodedata.category(ch).startswith("P"):
            chosen = out[-1][0] if out else font
        else:
            chosen = font
        if out and out[-1][0] == chosen:
            out[-1] = (chosen, out[-1][1] + ch)
        else:
            out.append((chosen, ch))
    return out


def string_width(text: str, font: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(part, name, size) for name, part in runs(text, font, bold))


def draw_string(canvas, x: float, y: float, text: str, font: str, size: float, bold: bool = False) -> float:
    """Draw `text` from (x, y), a font per run; returns the width drawn."""
    start = x
    for name, part in runs(text, font, bold):
        canvas.setFont(name, size)
        canvas.drawString(x, y, part)
        x += pdfmetrics.stringWidth(part, name, size)
    return x - start


def draw_centred_string(canvas, cx: float, y: float, text: str, font: str, size: float, bold: bool = False) -> None:
    draw_string(canvas, cx - string_width(text, font, size, bold) / 2, y, text, font, size, bold)


def wrap(text: str, font: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Lines no wider than `width`: broken at spaces, and between characters where a word (a CJK name has no
    spaces) is wider than the line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if string_width(candidate, font, size, bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        for ch in word:  # a word wider than the line: break it between characters
            if current and string_width(current + ch, font, size, bold) > width:
                lines.append(current)
                current = ""
            current += ch
    if current:
        lines.append(current)
    return lines
