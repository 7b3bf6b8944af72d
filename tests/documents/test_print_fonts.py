"""The GB2312 print fonts (documents.print_fonts): used when built, the full Noto face for what they lack,
and nothing changes on the page either way. The fonts here are cut to a few characters (fast to build)."""
import json
import logging
import subprocess

import pytest
from fontTools.ttLib import TTFont
from weasyprint.text.fonts import FontConfiguration

from documents import pdf, print_fonts
from documents.checks import print_fonts_built
from documents.pdf import html_to_pdf
from tests.documents.pdfcheck import pdf_pixels, pdf_text

CUT = "资助协议书甲方乙根据评审结果决定实施项目伍。，（）0123456789ABCXYZ "
RARE = "堃"  # GBK, not GB2312: a character of personal and organisation names
SERIF = [("Noto Serif CJK SC", "Regular")]


def page(text: str) -> str:
    return ('<html lang="zh-hans"><head><link rel="stylesheet" href="/static/css/documents-print.css"></head>'
            f"<body><h1>资助协议书</h1><p>{text}</p></body></html>")


def fonts_in(document: bytes) -> list[str]:
    out = subprocess.run(["pdffonts", "-"], input=document, capture_output=True, check=True).stdout.decode()
    return [line.split()[0].split("+", 1)[-1] for line in out.splitlines()[2:]]


@pytest.fixture(scope="module")
def cut_fonts(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fonts")
    written = print_fonts.build(directory, chars=CUT, faces=SERIF + [("Noto Sans CJK SC", "Bold")])
    assert [p.name for p in written] == ["NotoSerifCJKSC-Regular-GB2312.otf", "NotoSansCJKSC-Bold-GB2312.otf"]
    return directory


@pytest.fixture
def fonts_from(settings, monkeypatch):
    """Point the PDF service at a font directory, with a fresh per-thread font configuration."""
    def use(directory):
        settings.YICHUANG_PRINT_FONT_DIR = directory
        monkeypatch.setattr(pdf, "_local", type(pdf._local)())
    yield use
    monkeypatch.setattr(pdf, "_local", type(pdf._local)())


def test_the_cut_covers_gb2312_and_not_beyond():
    chars = print_fonts.characters()
    assert 7800 < len(chars) < 8000
    assert set("资助协议书甲乙方，。（）¥0123456789ABCxyz①") <= set(chars)
    assert RARE not in chars


def test_the_cut_font_prints_the_document_and_the_full_face_a_rare_character(cut_fonts, fonts_from):
    fonts_from(cut_fonts)
    document = html_to_pdf(page("根据评审结果，甲方决定乙方实施项目" + RARE + "。"))
    assert sorted(fonts_in(document)) == ["Noto-Sans-CJK-SC-GB2312-Bold", "Noto-Serif-CJK-SC",
                                          "Noto-Serif-CJK-SC-GB2312"]
    assert "甲方决定乙方实施项目" + RARE in pdf_text(document).replace("\n", "")


def test_without_the_cut_fonts_the_full_faces_print_the_same_page(cut_fonts, fonts_from, tmp_path):
    text = "根据评审结果，甲方决定乙方实施项目" + RARE + "。ABC 123"
    fonts_from(cut_fonts)
    with_cut = html_to_pdf(page(text))
    assert "Noto-Serif-CJK-SC-GB2312" in fonts_in(with_cut)
    fonts_from(tmp_path / "never-built")
    without = html_to_pdf(page(text))
    assert sorted(fonts_in(without)) == ["Noto-Sans-CJK-SC-Bold", "Noto-Serif-CJK-SC"]
    assert pdf_pixels(with_cut) == pdf_pixels(without)


def test_a_font_older_than_its_source_is_not_used(cut_fonts, tmp_path, caplog):
    assert len(print_fonts.usable_fonts(cut_fonts)) == 2
    (tmp_path / "NotoSerifCJKSC-Regular-GB2312.otf").write_bytes(
        (cut_fonts / "NotoSerifCJKSC-Regular-GB2312.otf").read_bytes())
    manifest = json.loads((cut_fonts / print_fonts.MANIFEST).read_text())
    entry = manifest["NotoSerifCJKSC-Regular-GB2312.otf"]
    entry["size"] += 1  # fonts-noto-cjk was upgraded since the build
    (tmp_path / print_fonts.MANIFEST).write_text(json.dumps({"NotoSerifCJKSC-Regular-GB2312.otf": entry}))
    with caplog.at_level(logging.WARNING, logger="documents.print_fonts"):
        assert print_fonts.usable_fonts(tmp_path) == []
    assert "build_print_fonts" in caplog.text
    assert print_fonts.register(FontConfiguration(), tmp_path) == []


def test_deploy_check_warns_when_the_fonts_are_not_built(settings, tmp_path, cut_fonts):
    settings.YICHUANG_PRINT_FONT_DIR = tmp_path
    assert [w.id for w in print_fonts_built(None)] == ["documents.W002"]
    settings.YICHUANG_PRINT_FONT_DIR = cut_fonts  # two of the four faces
    assert [w.id for w in print_fonts_built(None)] == ["documents.W002"]


def test_the_cut_numbers_its_cids_like_its_glyph_ids(cut_fonts):
    """WeasyPrint writes glyph ids as CIDs; a viewer that maps CIDs through the CFF charset (as the PDF
    specification says) must find the same glyph, as it does in the full Noto faces."""
    font = TTFont(cut_fonts / "NotoSerifCJKSC-Regular-GB2312.otf", lazy=True)
    order = font.getGlyphOrder()
    assert len(order) > 20
    assert order[1:] == [f"cid{gid:05d}" for gid in range(1, len(order))]
    cmap = font.getBestCmap()
    assert set(cmap) >= {ord(c) for c in "资助协议书"}
    # ASCII first, then the wording the project prints most: low glyph ids, smaller subsets per document
    assert max(cmap[ord(c)] for c in "0123456789ABC ") < min(cmap[ord(c)] for c in "资助协议书甲方乙")
    assert cmap[ord("伍")] < cmap[ord("甲")]  # amounts in words before GB2312's order
