"""The agreement drawn straight to PDF (documents.flow) against the same blocks printed by WeasyPrint: the same
pages, the same text where WeasyPrint puts it, the running header and footer on every page, and the text the
direct writer leaves to WeasyPrint."""
import copy
import datetime
import io
import re
import subprocess
from collections import Counter

import pytest
from django.utils.html import escape
from pypdf import PdfReader

from documents import flow, pdf_text
from documents.flow import Document, Paragraph, Run
from projects.agreements import agreement_context, agreement_document, render_agreement
from tests.documents.pdfcheck import page_count

SENTENCE = "本项目面向辖区内高龄独居老人，通过入户评估、安全改造、定期探访和心理疏导建立服务台账。"
URL = "https://example.invalid/" + "abcdefghij" * 12
LATIN_NAME = "Wenzhou-Lucheng-Community-Elderly-Care-Service-Center-Association-" * 2


def flat(text: str) -> str:
    return "".join(text.split())


def _lines(pdf: bytes) -> list[tuple[int, float, float, float, str]]:
    """(page, x min, y min, x max, text) of every line pdftotext finds, from the glyphs drawn."""
    out = subprocess.run(["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    found, page = [], 0
    pattern = r'<page |<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</line>'
    for match in re.finditer(pattern, out, re.S):
        if match.group(0) == "<page ":
            page += 1
            continue
        words = "".join(re.findall(r">([^<]*)</word>", match.group(4)))
        found.append((page, float(match.group(1)), float(match.group(2)), float(match.group(3)), words))
    return found


def _page_text(pdf: bytes, number: int, *options: str) -> str:
    return flat(subprocess.run(["pdftotext", *options, "-f", str(number), "-l", str(number), "-", "-"], input=pdf,
                               capture_output=True, check=True).stdout.decode())


def _normal(ctx):
    pass


def _three_pages(ctx):
    ctx["project"]["summary"] = (SENTENCE * 3 + "\n") * 5  # 20 lines: the row does not fit under 第一条


def _long_names(ctx):
    name = "温州市鹿城区五马街道阳光社区居家养老与青少年关爱综合服务中心联合会（筹）" * 2
    ctx["party_b"]["name"] = name
    ctx["signatures"][1]["name"] = name
    ctx["project"]["title"] = "“银龄同行·温暖相伴”——鹿城区高龄独居老人居家安全守护与精神慰藉综合服务项目（第二期）"
    ctx["project"]["summary"] = (SENTENCE + "\n") * 5


def _rare_and_unbreakable(ctx):
    ctx["party_b"]["name"] += "（堃）"
    ctx["signatures"][1]["name"] = LATIN_NAME
    ctx["party_b"]["address"] = URL


def _host_and_signed(ctx):
    ctx["signatures"].append({"role": "依托单位（盖章）", "name": "温州市鹿城区社会组织服务中心",
                              "signer": "法定代表人或授权代表（签字）"})
    ctx["signed"] = {"at": datetime.datetime(2026, 5, 3, 10, 20), "by": "李四"}


def _large_amounts(ctx):
    ctx["budget"]["rows"] = [{"label": f"科目{n}", "grant": "1,234,567.89", "cofund": "98,765.43", "total": "1,333,333.32"}
                             for n in range(1, 9)]
    ctx["budget"].update(grant="9,876,543.12", cofund="790,123.44", total="10,666,666.56")
    ctx["tranches"][0].update(name="首期（签订协议后十个工作日内）", amount="1,987,654.32", upper="壹佰玖拾捌万柒仟陆佰伍拾肆元叁角贰分")


@pytest.fixture
def context(agreement_project):
    return agreement_context(agreement_project)


@pytest.mark.parametrize("change", [_normal, _three_pages, _long_names, _rare_and_unbreakable, _host_and_signed,
                                    _large_amounts])
def test_the_direct_pages_are_weasyprints(context, change):
    ctx = copy.deepcopy(context)
    change(ctx)
    document = agreement_document(ctx)
    assert flow.supports(document)
    direct, weasyprint = flow.render_direct(document), flow.render_weasyprint(document)
    pages = page_count(weasyprint)
    assert page_count(direct) == pages
    assert pages == {_normal: 2, _three_pages: 3}.get(change, pages)
    # The same text on every page, and copied out of the direct PDF it is that text too.
    reader = PdfReader(io.BytesIO(direct))
    for number in range(1, pages + 1):
        assert _page_text(direct, number) == _page_text(weasyprint, number)
        # (-layout: pdftotext otherwise joins a line ending in a hyphen to the next, dropping the hyphen)
        assert Counter(flat(reader.pages[number - 1].extract_text())) == Counter(_page_text(weasyprint, number, "-layout"))
    # Every line where WeasyPrint puts it (pdftotext measures the glyphs drawn).
    ours, theirs = _lines(direct), _lines(weasyprint)
    assert [line[0] for line in ours] == [line[0] for line in theirs]
    assert sorted(line[4] for line in ours) == sorted(line[4] for line in theirs)
    placed = {}
    for line in theirs:
        placed.setdefault((line[0], line[4]), []).append(line)
    for page, x0, y0, x1, text in ours:
        _page, wx0, wy0, wx1, _text = placed[page, text].pop(0)
        assert (x0, y0, x1) == pytest.approx((wx0, wy0, wx1), abs=0.5), text


def test_every_page_has_the_running_header_and_the_footer_once(context):
    ctx = copy.deepcopy(context)
    _three_pages(ctx)
    pdf = render_agreement_from(ctx)
    assert PdfReader(io.BytesIO(pdf)).metadata.producer == "益创 documents.flow"
    pages = page_count(pdf)
    assert pages == 3
    for number in range(1, pages + 1):
        text = _page_text(pdf, number)
        assert [text.count(f"第{n}页/共{pages}页") for n in range(1, pages + 1)] == [int(n == number) for n in range(1, pages + 1)]
        assert text.count(f"项目编号：{ctx['project_number']}") == 1
        header = [line for line in _lines(pdf) if line[0] == number and line[2] < pdf_text.MARGIN_TOP]
        assert sorted(line[4] for line in header) == sorted([ctx["round_name"], f"项目编号：{ctx['project_number']}"])


def render_agreement_from(ctx) -> bytes:
    return flow.render(agreement_document(ctx))


def test_the_agreement_is_drawn_directly(agreement_project):
    pdf = render_agreement(agreement_project)
    assert PdfReader(io.BytesIO(pdf)).metadata.producer == "益创 documents.flow"
    assert "86,420.50" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_row_is_never_split(context):
    ctx = copy.deepcopy(context)
    _three_pages(ctx)
    pdf = render_agreement_from(ctx)
    lines = _lines(pdf)
    summary = [line for line in lines if SENTENCE[:10] in line[4] or line[4] == "项目简介"]
    assert len({page for page, *_rest in summary}) == 1  # the label and all the summary's lines on one page
    assert summary[0][0] == 2  # moved whole to the next page


def test_a_row_taller_than_a_page_is_left_to_weasyprint(context):
    ctx = copy.deepcopy(context)
    ctx["project"]["summary"] = (SENTENCE * 3 + "\n") * 12
    document = agreement_document(ctx)
    writer = flow._Writer(document)
    writer.build()
    assert flow.supports(document) and not writer.fits()
    assert PdfReader(io.BytesIO(flow.render(document))).metadata.producer.startswith("WeasyPrint")


def test_long_unbreakable_values_wrap_inside_their_cell(context):
    ctx = copy.deepcopy(context)
    _rare_and_unbreakable(ctx)
    pdf = flow.render_direct(agreement_document(ctx))
    lines = _lines(pdf)
    inner = pdf_text.RIGHT - pdf_text.LEFT - pdf_text.BORDER
    value_left = pdf_text.LEFT + pdf_text.BORDER / 2 + flow.LABEL_SHARE * inner + pdf_text.BORDER / 2 + flow.CELL_PAD_X
    value_right = pdf_text.RIGHT - pdf_text.BORDER - flow.CELL_PAD_X
    url = [line for line in lines if line[4] and line[4] in URL]
    assert len(url) >= 3 and "".join(line[4] for line in url) == URL
    assert all(value_left - 0.05 <= x0 and x1 <= value_right + 0.05 for _p, x0, _y, x1, _t in url)
    # The signature's name wraps inside its half of the page, after its hyphens.
    name = [line for line in lines if line[4] and line[4] in LATIN_NAME and line[1] > pdf_text.LEFT + 100]
    assert len(name) >= 3 and all(x1 <= pdf_text.RIGHT + 0.05 for _p, _x0, _y, x1, _t in name)


def test_a_name_outside_gb2312_prints_from_the_full_face(context):
    ctx = copy.deepcopy(context)
    ctx["party_b"]["name"] += "（堃）"
    document = agreement_document(ctx)
    assert flow.supports(document)
    pdf = flow.render(document)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.producer == "益创 documents.flow"
    assert "堃" in reader.pages[0].extract_text()
    serif = pdf_text._families()[0]
    slot, gid, _advance, _code = serif.glyph("堃")
    assert gid != 0 and "GB2312" not in serif.face(slot).postscript_name
    fonts = {str(ref.get_object()["/BaseFont"]) for ref in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("GB2312" not in name and "Serif" in name for name in fonts)


@pytest.mark.parametrize(("text", "why"), [
    ("مرحبا", "right to left"),
    ("e\u0301", "a combining mark"),
    ("a\u200db", "a format character"),
    ("a\u0007b", "a control character"),
])
def test_text_the_writer_cannot_print_goes_to_weasyprint(context, text, why):
    document = agreement_document(context)
    assert flow.supports(document)
    changed = Document(document.title, document.header_left, document.header_right,
                       (*document.blocks, Paragraph((Run(text),))))
    assert not flow.supports(changed), why
    assert PdfReader(io.BytesIO(flow.render(changed))).metadata.producer.startswith("WeasyPrint")


def test_a_character_only_another_font_has_goes_to_weasyprint(context, monkeypatch):
    # An emoji: the Noto CJK faces lack it, and WeasyPrint would print it from an emoji font when one is
    # installed; with none installed both print an empty box, and the direct writer keeps it.
    ctx = copy.deepcopy(context)
    ctx["party_b"]["name"] += "\U0001F600"
    document = agreement_document(ctx)
    for answer, supported in (("Noto Sans CJK SC\n", True), ("Noto Sans CJK SC\nNoto Color Emoji\n", False)):
        pdf_text._another_font_has.cache_clear()
        monkeypatch.setattr(pdf_text.shutil, "which", lambda _name: "/usr/bin/fc-list")
        monkeypatch.setattr(pdf_text.subprocess, "run", lambda *a, answer=answer, **k: subprocess.CompletedProcess(a, 0, answer, ""))
        assert flow.supports(document) is supported
    pdf_text._another_font_has.cache_clear()


def test_a_running_header_too_long_for_one_line_goes_to_weasyprint(context):
    document = agreement_document(context)
    long_header = Document(document.title, "测试公益创投" * 12, document.header_right, document.blocks)
    assert not flow.supports(long_header)


def test_both_printers_read_the_same_blocks(context):
    """One wording: the HTML WeasyPrint prints is made from the blocks, every text of which it shows."""
    document = agreement_document(context)
    page = flow.html(document)
    for text in flow.texts(document):
        assert flat(escape(text)) in flat(page)
    assert 'data-testid="amount"' in page and 'data-testid="amount-upper"' in page
    assert 'data-testid="summary"' in page and 'data-testid="signatures"' in page


def test_a_tab_in_the_summary_goes_to_weasyprint(context):
    # The summary keeps its white space (pre-wrap): a tab there is a tab stop, which only WeasyPrint lays out;
    # in other text it is a space like any other.
    ctx = copy.deepcopy(context)
    ctx["project"]["summary"] = "第一\t第二"
    assert not flow.supports(agreement_document(ctx))
    ctx["project"]["summary"], ctx["party_b"]["address"] = "第一 第二", "鹿城区\t五马街道"
    assert flow.supports(agreement_document(ctx))
