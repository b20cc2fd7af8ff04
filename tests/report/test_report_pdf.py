"""Names in every script: each run of CJK characters in a CID font that has its glyphs, the rest in TrueType."""

from __future__ import annotations

import io

from pypdf import PdfReader

from eventapp.report import pdf

# Each language's CID faces (regular, bold) from the one font helper.
KOREAN, CHINESE, JAPANESE = "HYSMyeongJo-Medium", "STSong-Light", "HeiseiMin-W3"
FACES = {
    "ko": {"HYSMyeongJo-Medium", "HYGothic-Medium"},
    "zh": {"STSong-Light"},
    "ja": {"HeiseiMin-W3", "HeiseiKakuGo-W5"},
}


def test_text_is_split_into_runs_by_script():
    assert pdf.runs("Kim 김민준") == [(pdf.REGULAR, "Kim "), (KOREAN, "김민준")]
    assert pdf.runs("王小明") == [(CHINESE, "王小明")]
    # Han characters beside kana are Japanese.
    assert pdf.runs("山田たろう") == [(JAPANESE, "山田たろう")]
    assert pdf.runs("Zoë Ñúñez", bold=True) == [(pdf.BOLD, "Zoë Ñúñez")]


def fonts_of(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/"))
    return names


def test_certificates_print_korean_chinese_japanese_and_latin_names():
    names = ["김민준", "王小明", "山田たろう", "Zoë Ñúñez"]
    items = [
        pdf.Certificate("attendance", i, n, "TAI4H 2024", "IJCAI 2024", "4 August 2024") for i, n in enumerate(names)
    ]
    data = pdf.certificates_pdf(items)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 4
    used = fonts_of(data)
    assert all(faces & used for faces in FACES.values()), used
    assert "Zoë Ñúñez" in reader.pages[3].extract_text()


def test_a_long_title_wraps_and_a_cjk_title_breaks_between_characters():
    lines = pdf.wrap("健康医疗中可信人工智能的第二届国际研讨会" * 3, 12, 150)
    assert len(lines) > 1 and all(pdf.text_width(line, 12) <= 150 for line in lines)
    assert "".join(lines) == "健康医疗中可信人工智能的第二届国际研讨会" * 3
