"""Badges print Korean, Chinese and Japanese names and affiliations: each text run in the PDF is drawn with a font
whose character collection has its glyphs, and Latin text keeps the TrueType font (checked in the PDF's own font
resources per run, not by extracting text)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from eventapp import pdf_fonts
from eventapp.checkin.pdf import BOLD, REGULAR, BadgeFace, badges_pdf

# A CID font's character collection (its /CIDSystemInfo /Ordering) and the national standard whose every character
# that collection has a glyph for, from its first supplement (Adobe-Korea1-0 has KS X 1001, Adobe-GB1-0 GB 2312,
# Adobe-CNS1-0 Big5, Adobe-Japan1-0 JIS X 0208).
COLLECTIONS = {"Korea1": "euc_kr", "GB1": "gb2312", "CNS1": "big5", "Japan1": "euc_jp"}


def face(name: str, affiliation: str, code: str) -> BadgeFace:
    return BadgeFace(name, affiliation, "author", "L1", code, code[-4:], "TAI4H 2024")


def runs_of(pdf: bytes) -> list[tuple[dict, str]]:
    """(font resource, text) for every text run drawn, from the page's content stream."""
    found: list[tuple[dict, str]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text, cm, tm, font, size):
            if text.strip():
                found.append((font, text.strip()))

        page.extract_text(visitor_text=visit)
    return found


def covered(font: dict, text: str) -> bool:
    """Whether the font has a glyph for every character of the run."""
    base = str(font["/BaseFont"])
    if "/DescendantFonts" in font:  # a CID font: its character collection must hold the run
        ordering = str(font["/DescendantFonts"][0].get_object()["/CIDSystemInfo"]["/Ordering"])
        try:
            text.replace(" ", "").replace("(", "").replace(")", "").encode(COLLECTIONS[ordering])
        except (KeyError, UnicodeEncodeError):
            return False
        return True
    name = BOLD if base.endswith("-Bold") else REGULAR  # the embedded TrueType subset of this face
    glyphs = pdfmetrics.getFont(name).face.charToGlyph
    return all(ord(ch) in glyphs for ch in text if not ch.isspace())


def test_a_badge_with_a_hangul_and_a_chinese_name_uses_fonts_that_have_the_glyphs():
    pdf = badges_pdf(
        [
            face("김민준", "서울대학교 (Seoul National University)", "CODE-KO1"),
            face("陈浩", "香港科技大学 (HKUST)", "CODE-ZH1"),
            face("陳志明", "國立臺灣大學", "CODE-TW1"),
            face("山田 はな", "東京大学", "CODE-JA1"),
            face("Nguyễn Văn An", "Trường Đại học Bách khoa Hà Nội", "CODE-VI1"),
        ]
    )
    runs = runs_of(pdf)
    by_text = {text: str(font["/BaseFont"]).lstrip("/") for font, text in runs}
    assert by_text["김민준"] in ("HYSMyeongJo-Medium", "HYGothic-Medium")
    assert by_text["서울대학교 ("] == "HYSMyeongJo-Medium"
    assert by_text["陈浩"] == "STSong-Light"
    assert by_text["陳志明"] == "MSung-Light" and by_text["國立臺灣大學"] == "MSung-Light"
    assert by_text["山田 はな"] in ("HeiseiMin-W3", "HeiseiKakuGo-W5")
    assert (
        by_text["Seoul National University)"].endswith("DejaVuSans") or "Vera" in by_text["Seoul National University)"]
    )
    assert "DejaVuSans" in by_text["Nguyễn Văn An"] or "Vera" in by_text["Nguyễn Văn An"]
    missing = [(str(font["/BaseFont"]), text) for font, text in runs if not covered(font, text)]
    assert missing == []


def test_runs_split_a_mixed_string_and_keep_latin_in_its_font():
    runs = pdf_fonts.runs("Kim 김민준 (KAIST)", "Latin")
    assert runs == [("Latin", "Kim "), ("HYSMyeongJo-Medium", "김민준 ("), ("Latin", "KAIST)")]
    assert pdf_fonts.runs("Hao Chen", "Latin") == [("Latin", "Hao Chen")]
    assert pdf_fonts.language_of("陈浩") == "zh-Hans" and pdf_fonts.language_of("陳浩") == "zh-Hant"
    assert pdf_fonts.language_of("김 金") == "ko" and pdf_fonts.language_of("はな") == "ja"


def test_a_long_name_without_spaces_wraps_between_characters():
    lines = pdf_fonts.wrap("香港科技大学" * 6, "Helvetica", 11, 100)
    assert len(lines) > 1 and "".join(lines) == "香港科技大学" * 6
    assert all(pdf_fonts.string_width(line, "Helvetica", 11) <= 100 for line in lines)


def test_badge_html_svg_and_pages_name_fonts_for_korean_chinese_and_japanese():
    from pathlib import Path

    root = Path(__file__).parent.parent.parent
    for path in ("static/css/badges.css", "templates/checkin/badge.svg", "static/css/app.css"):
        text = (root / path).read_text(encoding="utf-8")
        for family in ("Noto Sans CJK KR", "Noto Sans CJK SC", "Noto Sans CJK JP"):
            assert family in text, (path, family)
