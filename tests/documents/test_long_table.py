"""Long tables written straight to PDF (documents.long_table): the pages a reader sees (footers, the header
row on every page, wrapped cells inside their columns), text a reader can copy, and characters outside the
GB2312 print fonts."""
import io
import subprocess
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from documents import long_table
from documents import pdf_text as text_module
from documents.long_table import Column, LongTable, can_break, wrap
from tests.documents.pdfcheck import page_count, pdf_text

COLUMNS = [Column("序号", 0.06), Column("项目编号", 0.16), Column("项目名称", 0.27), Column("申报机构", 0.20),
           Column("服务领域", 0.12), Column("评审得分", 0.07), Column("拟资助金额（元）", 0.12, "right")]
LONG_TITLE = "温州市鹿城区社区居家养老服务与困境儿童关爱支持计划" * 3 + "项目"


def _rows(count: int) -> list[list[str]]:
    return [[str(n), f"YC2026-{n:05d}", LONG_TITLE if n == 3 else f"社区居家养老服务项目{n}号", "温州市服务中心",
             "为老服务", "88.50", f"{n * 1000:,}.00"] for n in range(1, count + 1)]


def _table(rows: list[list[str]], **changes) -> LongTable:
    values = {"title": "2026年度公益创投拟资助项目公示", "running_header": "2026年度公益创投", "columns": COLUMNS,
              "rows": rows, "intro": ["公示期：2026年06月01日 至 2026年06月05日"],
              "closing": ["异议须署真实姓名并留下联系方式。", "发布单位：温州市民政局"]}
    return LongTable(**{**values, **changes})


@pytest.fixture(scope="module")
def document() -> bytes:
    return long_table.render(_table(_rows(80)))


def _page_text(pdf: bytes, number: int) -> str:
    out = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-", "-"], input=pdf,
                         capture_output=True, check=True).stdout.decode()
    return "".join(out.split())


def test_every_page_has_its_footer_once_and_the_header_row(document):
    pages = page_count(document)
    assert pages >= 3
    for number in range(1, pages + 1):
        text = _page_text(document, number)
        assert [text.count(f"第{n}页/共{pages}页") for n in range(1, pages + 1)] == [int(n == number) for n in range(1, pages + 1)]
        assert text.count("项目编号") == 1 and text.count("拟资助金额") == 1  # the header row, repeated
    text = "".join(pdf_text(document).split())
    assert text.count("拟资助项目公示") == 1 and text.count("发布单位：温州市民政局") == 1
    assert all(f"YC2026-{n:05d}" in text for n in range(1, 81))


def test_the_text_can_be_copied(document):
    reader = PdfReader(io.BytesIO(document))
    first = reader.pages[0].extract_text()
    assert "2026年度公益创投拟资助项目公示" in first and "公示期：2026年06月01日" in first
    assert "社区居家养老服务项目1号" in first and "1,000.00" in first and "YC2026-00002" in first
    assert "发布单位：温州市民政局" in reader.pages[-1].extract_text()
    assert reader.metadata.title == "2026年度公益创投拟资助项目公示"


def _words(pdf: bytes, page: int = 1) -> list[tuple[float, float, float, str]]:
    """(x min, x max, y min, word) of every word pdftotext finds on a page, from the glyphs drawn."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"], input=pdf,
                         capture_output=True, check=True).stdout.decode()
    words = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("<word "):
            attrs = dict(part.split("=") for part in line[6:line.index(">")].split())
            words.append((float(attrs["xMin"].strip('"')), float(attrs["xMax"].strip('"')),
                          float(attrs["yMin"].strip('"')), line[line.index(">") + 1:line.rindex("<")]))
    return words


def test_a_long_title_wraps_inside_its_column_and_its_row_grows(document):
    writer = long_table._Writer(_table([]))
    left = writer.grid[2] + long_table.BORDER / 2 + long_table.CELL_PAD_X
    right = writer.grid[3] - long_table.BORDER / 2 - long_table.CELL_PAD_X
    lines = writer.cell_lines(_rows(3)[2], writer.cell)[2]
    assert len(lines) >= 4 and "".join(lines) == LONG_TITLE
    assert all(writer.width(line, writer.cell) <= right - left + 1e-6 for line in lines)

    words = _words(document)
    title_lines = [w for w in words if w[3] and w[3] in LONG_TITLE and len(w[3]) > 3]
    assert len(title_lines) == len(lines)
    assert all(left - 0.05 <= x0 and x1 <= right + 0.05 for x0, x1, _y, _w in title_lines)
    tops = {w[3]: w[2] for w in words if w[0] < writer.grid[1]}  # the numbers of the rows
    row_pitch = tops["4"] - tops["3"]
    assert row_pitch == pytest.approx(long_table.BORDER + 2 * long_table.CELL_PAD_Y + len(lines) * writer.cell.leading, abs=0.01)
    assert tops["3"] - tops["2"] < row_pitch  # the other rows have one line


def test_amounts_in_a_right_aligned_column_end_at_its_edge(document):
    writer = long_table._Writer(_table([]))
    right = writer.grid[7] - long_table.BORDER / 2 - long_table.CELL_PAD_X
    amounts = [w for w in _words(document) if w[3].endswith(",000.00")]
    assert amounts and all(abs(x1 - right) < 0.5 for _x0, x1, _y, _w in amounts)


def test_a_character_outside_gb2312_prints_from_the_full_face():
    rare = "温州市㐀䶮服务中心"
    pdf = long_table.render(_table([["1", "YC2026-00001", "社区项目", rare, "为老服务", "88.50", "1,000.00"]]))
    assert rare in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    serif = long_table._families()[0]
    for char in "㐀䶮":
        slot, gid, _advance, _code = serif.glyph(char)
        assert gid != 0  # a real glyph, not .notdef (an empty box)
        assert "GB2312" not in serif.face(slot).postscript_name  # from the full face
    fonts = {str(ref.get_object()["/BaseFont"]) for ref in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()}
    assert any("GB2312" not in name and "Serif" in name for name in fonts)
    if len(serif.files) > 1:  # the print fonts are built (make install): the rest from the GB2312 cut
        assert any("GB2312" in name for name in fonts)


def test_progress_is_reported_in_rows_up_to_the_total():
    seen = []
    long_table.render(_table(_rows(30)), progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (30, 30) and [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_text_the_writer_cannot_print_is_left_to_weasyprint():
    assert long_table.supports(_table(_rows(3)))
    assert not long_table.supports(_table([["1", "e\u0301", "", "", "", "", ""]]))  # a combining mark
    assert not long_table.supports(_table(_rows(1), closing=["مرحبا"]))  # right to left
    assert not long_table.supports(_table(_rows(1), title="a\u200db"))  # a format character


def test_a_character_no_noto_face_has_is_left_to_weasyprint_only_when_another_font_has_it(monkeypatch):
    table = _table([["1", "YC2026-00001", "社区项目", "温州市\U00020000服务中心", "为老服务", "88.50", "1,000.00"]])
    for families, supported in (("Noto Sans CJK SC\n", True),  # no other font has it: both print an empty box
                                ("Noto Sans CJK SC\nSome Extension B Font\n", False)):
        long_table._another_font_has.cache_clear()
        fc_list = SimpleNamespace(run=lambda *args, answer=families, **kwargs: SimpleNamespace(stdout=answer))
        monkeypatch.setattr(text_module, "subprocess", fc_list)
        assert long_table.supports(table) is supported
    long_table._another_font_has.cache_clear()


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("社区居家养老服务", 3, ["社区居", "家养老", "服务"]),  # anywhere between Chinese characters
    ("编号YC2026-00001项目", 8, ["编号", "YC2026-0", "0001项目"]),  # a run wider than the line breaks anywhere
    ("编号YC26项目", 5, ["编号", "YC26项", "目"]),  # a run that fits stays whole
    ("社区，居家。", 2, ["社", "区，", "居", "家。"]),  # no line starts with closing punctuation
    ("社（区）", 3, ["社", "（区）"]),  # none ends with opening punctuation
    ("（区）", 2, ["（区", "）"]),  # unless a run with no opportunity is wider than the line
    ("ab cd", 3, ["ab", "cd"]),  # the space at the break is dropped
])
def test_wrap(text, width, lines):
    assert wrap(text, width, [1.0] * len(text)) == lines


def test_break_opportunities():
    assert can_break("社", "区") and can_break("区", "Y") and can_break(" ", "a")
    assert not can_break("2", "0") and not can_break("-", "0") and not can_break("区", "，")


def test_without_the_print_fonts_the_full_faces_print_everything(settings, tmp_path):
    settings.YICHUANG_PRINT_FONT_DIR = tmp_path  # nothing built here
    assert long_table.supports(_table(_rows(2)))
    pdf = long_table.render(_table(_rows(2)))
    assert "社区居家养老服务项目2号" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    fonts = {str(ref.get_object()["/BaseFont"]) for ref in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()}
    assert fonts and not any("GB2312" in name for name in fonts)
