"""Long tables written straight to PDF: a title, a few paragraphs, a table of thousands of rows of plain
text, closing paragraphs and the page footer 第 N 页 / 共 M 页, drawn with pydyf and fontTools.

Why: laying out a long table with WeasyPrint costs about 15 ms of CPU a row however it is chunked (a
10,000-row 公示 list was 160 s of CPU, documents.long_pdf); the table needs none of what WeasyPrint does:
Chinese needs no shaping, the column widths are fixed, a row is as tall as its longest wrapped cell. Here
a character is a glyph id from the font's cmap and an advance from its hmtx, a cell wraps by those
widths, and the page is a handful of PDF operators (bench/pdf_publicity.py has the figures).

The look is that of documents-print.css and templates/documents/base_print.html as WeasyPrint prints a
`table.doc.long` (A4, its margins, the running header, serif body, sans bold headings, 9pt cells with a
grid, the header row repeated on every page): the constants below are those of the stylesheet, and text
lands within 0.01 pt of where WeasyPrint puts it, with the same line and page breaks (1,000 rows: the same
44 pages and text as bench/pdf_publicity.py's `single` mode; the ASCII pairs of the fonts' `kern` feature
are applied as HarfBuzz does). A row is never split: one taller than a page (a title of far more than the
200 characters a project title may have) would run into the bottom margin.

Fonts are documents.print_fonts's: the GB2312 cut of each face first, the installed full face for the
characters outside it; each face used is embedded once, subset to the glyphs printed (the pages show
glyphs by CID, which the subset keeps, so they are written before the subset is made), as a CID font with
a ToUnicode map, so the text can be copied and searched. Text this writer cannot print as WeasyPrint would (marks that need shaping, right-to-left
scripts, control characters, a character another installed font has) is refused by `supports`:
the caller prints those documents with WeasyPrint.

Pages are written as they are laid out, compressed, and only their footers wait for the page count:
memory grows by a few kilobytes a page.
"""
import hashlib
import io
import re
import shutil
import subprocess
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Literal

import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer, untyped
from fontTools import subset
from fontTools.ttLib import TTFont

from documents import print_fonts

# Bump when the pages change for the same text: stored documents carry it in their digest.
VERSION = "1"

PT_PER_CM = 72 / 2.54
PAGE_WIDTH, PAGE_HEIGHT = 21 * PT_PER_CM, 29.7 * PT_PER_CM  # A4
# documents-print.css: @page { margin: 2.5cm 2cm 2.2cm 2.2cm }, and the body's default margin (8px).
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 2.5 * PT_PER_CM, 2 * PT_PER_CM, 2.2 * PT_PER_CM, 2.2 * PT_PER_CM
BODY_MARGIN = 6.0
LEFT, RIGHT = MARGIN_LEFT + BODY_MARGIN, PAGE_WIDTH - MARGIN_RIGHT - BODY_MARGIN
BOTTOM = PAGE_HEIGHT - MARGIN_BOTTOM  # from the top of the page, as every y here
LINE_HEIGHT = 1.65  # html { line-height }
BORDER, CELL_PAD_X, CELL_PAD_Y, CELL_LINE_HEIGHT = 0.6, 3.0, 1.5, 1.4  # table.doc.long
BLACK, TEXT_GREY, RULE_GREY, FOOTER_GREY, HEADING_FILL, GRID_GREY = 0.0, 0.2, 0.4, 0.267, 0.949, 0.2

SERIF = ("Noto Serif CJK SC", "Regular")  # body text
SANS_BOLD = ("Noto Sans CJK SC", "Bold")  # headings and the table's header row

Align = Literal["left", "right", "center"]


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # a fraction of the table's width; the columns' fractions add up to 1
    align: Align = "left"


@dataclass(frozen=True)
class LongTable:
    title: str  # the heading of the first page and the PDF's title
    running_header: str  # at the top of every page
    columns: Sequence[Column]
    rows: Sequence[Sequence[str]]  # one string a column, already formatted
    intro: Sequence[str] = ()  # paragraphs between the title and the table
    closing: Sequence[str] = ()  # paragraphs after the table


# Fonts ------------------------------------------------------------------------------------------------

class Face:
    """One font file: what layout needs (glyph ids by character, advances) and, for embedding, its path."""

    def __init__(self, path: Path, index: int):
        self.path, self.index = path, index
        font = TTFont(path, fontNumber=index, lazy=True, recalcBBoxes=False)
        if not getattr(font["CFF "].cff.topDictIndex[0], "ROS", None):
            raise ValueError(f"{path}: not a CID-keyed CFF font")
        order = font.getGlyphOrder()
        gids = {name: gid for gid, name in enumerate(order)}
        self.glyphs = {code: gids[name] for code, name in font.getBestCmap().items()}
        # A CID-keyed font's glyph names are "cid01234": the CID a PDF shows the glyph by, through the
        # charset; the subset keeps the names and drops the other glyphs, so CIDs are kept, not glyph ids.
        self.cids = [int(name[3:]) if name.startswith("cid") and name[3:].isdigit() else 0 for name in order]
        metrics = font["hmtx"].metrics
        self.scale = 1000 / font["head"].unitsPerEm  # PDF glyph space is 1/1000 of the size
        self.advances = [metrics[name][0] * self.scale for name in order]
        hhea, head, os2 = font["hhea"], font["head"], font["OS/2"]
        # Pango places a line's baseline by the hhea ascent and descent, split the leading evenly.
        self.ascent, self.descent = hhea.ascent * self.scale / 1000, -hhea.descent * self.scale / 1000
        self.bbox = [round(v * self.scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        self.cap_height = round(getattr(os2, "sCapHeight", 700) * self.scale)
        name = font["name"].getDebugName(6) or path.stem
        self.postscript_name = re.sub(r"[^A-Za-z0-9_.-]", "", name) or "Font"
        self.kerning = {pair: value * self.scale for pair, value in _ascii_kerning(font, self.glyphs).items()}


def _ascii_kerning(font: TTFont, glyphs: dict[int, int]) -> dict[tuple[int, int], int]:
    """The font's `kern` pair adjustments between ASCII characters, by glyph ids: HarfBuzz applies them when
    WeasyPrint prints a code or an amount ("YC" is half a point tighter at 9pt); Chinese has none."""
    if "GPOS" not in font:
        return {}
    gpos = font["GPOS"].table
    order = font.getGlyphOrder()
    ascii_glyphs = [glyphs[code] for code in range(0x21, 0x7F) if code in glyphs]
    indices = sorted({i for record in gpos.FeatureList.FeatureRecord if record.FeatureTag == "kern"
                      for i in record.Feature.LookupListIndex})
    subtables = []
    for i in indices:
        lookup = gpos.LookupList.Lookup[i]
        for sub in lookup.SubTable:
            sub = sub.ExtSubTable if lookup.LookupType == 9 else sub
            if sub.LookupType == 2 and sub.ValueFormat1 & 4:  # pair positioning with an x advance
                subtables.append((sub, {glyph: k for k, glyph in enumerate(sub.Coverage.glyphs)}))
    pairs: dict[tuple[int, int], int] = {}
    for first in ascii_glyphs:
        for second in ascii_glyphs:
            value = _pair_value(subtables, order[first], order[second])
            if value:
                pairs[first, second] = value
    return pairs


def _pair_value(subtables: list[tuple], first: str, second: str) -> int:
    # As HarfBuzz applies one lookup: the first subtable that covers the pair.
    for sub, coverage in subtables:
        if first not in coverage:
            continue
        if sub.Format == 1:
            pair_set = sub.PairSet[coverage[first]]
            for record in pair_set.PairValueRecord:
                if record.SecondGlyph == second:
                    return getattr(record.Value1, "XAdvance", 0) or 0
            continue
        class1 = sub.ClassDef1.classDefs.get(first, 0)
        class2 = sub.ClassDef2.classDefs.get(second, 0)
        return getattr(sub.Class1Record[class1].Class2Record[class2].Value1, "XAdvance", 0) or 0
    return 0


@lru_cache(maxsize=8)
def _face(path: Path, index: int, stamp: tuple[int, int]) -> Face:
    return Face(path, index)  # `stamp` (size, mtime): a rebuilt font is read again


def _load(path: Path, index: int) -> Face:
    stat = path.stat()
    return _face(path, index, (stat.st_size, int(stat.st_mtime)))


class Family:
    """A style's faces in the stylesheet's order; the full face is read only for a character the cut lacks.
    Every character looked up is printed: the glyphs to embed are those of `glyphs`."""

    def __init__(self, files: Sequence[tuple[Path, int]]):
        if not files:
            raise LookupError("no font file")
        self.files = list(files)
        self.faces: list[Face | None] = [_load(*self.files[0])] + [None] * (len(self.files) - 1)
        # character → (face slot, glyph id, advance in 1/1000 of the size, its CID as hex for a string)
        self.glyphs: dict[str, tuple[int, int, float, bytes]] = {}
        self._pairs: dict[str, float] | None = None  # two ASCII characters → their kern

    def face(self, slot: int) -> Face:
        face = self.faces[slot]
        if face is None:
            face = self.faces[slot] = _load(*self.files[slot])
        return face

    def glyph(self, char: str) -> tuple[int, int, float, bytes]:
        """The first face's .notdef (an empty box) when no face has the character, as WeasyPrint prints it."""
        found = self.glyphs.get(char)
        if found is None:
            code, slot, gid = ord(char), 0, 0
            for candidate in range(len(self.files)):
                if code in self.face(candidate).glyphs:
                    slot, gid = candidate, self.face(candidate).glyphs[code]
                    break
            face = self.face(slot)
            found = self.glyphs[char] = (slot, gid, face.advances[gid], b"%04x" % face.cids[gid])
        return found

    def covers(self, char: str) -> bool:
        return any(ord(char) in self.face(slot).glyphs for slot in range(len(self.files)))

    def advances(self, text: str) -> list[float]:
        glyph = self.glyph
        return [glyph(c)[2] for c in text]

    def kerns(self, text: str) -> list[float] | None:
        """The pair adjustment before each character (1/1000 of the size), or None when there is none:
        only pairs of ASCII characters have one (those of the first face, which has them all)."""
        if not ASCII_PAIR.search(text):
            return None
        if self._pairs is None:
            face, ascii_chars = self.face(0), [chr(code) for code in range(0x21, 0x7F)]
            self._pairs = {a + b: face.kerning[face.glyphs[ord(a)], face.glyphs[ord(b)]]
                           for a in ascii_chars for b in ascii_chars
                           if (face.glyphs.get(ord(a)), face.glyphs.get(ord(b))) in face.kerning}
        pairs, kerns = self._pairs, None
        for k, pair in enumerate(map(str.__add__, text, text[1:]), 1):
            value = pairs.get(pair)
            if value:
                kerns = kerns or [0.0] * len(text)
                kerns[k] = value
        return kerns


ASCII_PAIR = re.compile(r"[!-~]{2}")


def _families() -> tuple[Family, Family]:
    return Family(print_fonts.face_files(*SERIF)), Family(print_fonts.face_files(*SANS_BOLD))


@lru_cache(maxsize=256)
def _another_font_has(char: str) -> bool:
    """Whether an installed font other than the Noto CJK faces has `char`: WeasyPrint would print it from
    there (Noto's emoji, Thai or Devanagari faces count as others)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, f":charset={ord(char):x}", "family"], capture_output=True, text=True,
                           timeout=20, check=False).stdout
    return any(line.strip() and "CJK" not in line for line in found.splitlines())


def supports(table: LongTable) -> bool:
    """Whether this writer prints `table` as WeasyPrint would: the fonts are there, and every character is
    either in them or in no installed font at all (both print an empty box), and needs no shaping."""
    try:
        families = _families()
    except (LookupError, OSError, ValueError, KeyError):
        return False
    texts: Iterable[str] = [table.title, table.running_header, *table.intro, *table.closing,
                            *(c.heading for c in table.columns), *(cell for row in table.rows for cell in row)]
    for char in set("".join(texts)):
        if char in " \t\n\r\f":
            continue
        if unicodedata.category(char)[0] in "CM" or unicodedata.bidirectional(char) in ("R", "AL", "AN"):
            return False  # control and format characters, marks: shaping; right-to-left: reordering
        if not all(f.covers(char) for f in families) and _another_font_has(char):
            return False
    return True


# Line breaking ----------------------------------------------------------------------------------------

# No line starts with closing punctuation, none ends with opening punctuation (the usual Chinese rule).
NO_START = frozenset("，。、；：？！）》」』】〕〉…’”％‰·,.;:?!)]}%")
NO_END = frozenset("（《「『【〔〈‘“([{")
SPACES = re.compile(r"[ \t\n\r\f]+")


def _word(char: str) -> bool:
    # Latin letters, digits and their punctuation: a run of them ("YC2026-00001", "254,000.00") stays whole.
    return ord(char) < 0x2E80 and char != " "


def can_break(before: str, after: str) -> bool:
    """Whether a line may break between two characters: anywhere between Chinese characters, after a
    space, not inside a run of Latin letters and digits, not against the punctuation rule."""
    if after == " ":
        return False
    if before == " ":
        return True
    if after in NO_START or before in NO_END:
        return False
    return not (_word(before) and _word(after))


def collapse(text: str) -> str:
    """White space as HTML shows it: runs of ASCII white space are one space, none at either end.
    (Ideographic spaces are characters and stay.)"""
    return SPACES.sub(" ", text).strip(" ")


def wrap(text: str, width: float, advances: Sequence[float], kerns: Sequence[float] | None = None) -> list[str]:
    """`text` in lines no wider than `width` (advances: each character's width; kerns: the adjustment
    between it and the one before): greedy, at the last break opportunity that fits; a run with no
    opportunity that is wider than a line breaks anywhere (CSS's overflow-wrap: anywhere). Spaces at the
    end of a line hang and are dropped."""
    def measure(start: int, end: int) -> float:  # a line's first character has no pair before it
        return sum(advances[start:end]) + (sum(kerns[start + 1:end]) if kerns else 0.0)

    if measure(0, len(text)) <= width + 1e-6:  # most cells: one line, no breaking to look for
        return [text]
    lines: list[str] = []
    start, x, opportunity, i = 0, 0.0, -1, 0
    while i < len(text):
        char = text[i]
        if i > start and can_break(text[i - 1], char):
            opportunity = i
        step = advances[i] + (kerns[i] if kerns and i > start else 0.0)
        if char != " " and i > start and x + step > width + 1e-6:
            end = opportunity if opportunity > start else i
            lines.append(text[start:end].rstrip(" "))
            start = end
            while start < len(text) and text[start] == " ":
                start += 1
            x, opportunity, i = measure(start, i), -1, max(i, start)
            continue
        x += step
        i += 1
    if start < len(text):
        lines.append(text[start:].rstrip(" "))
    return lines


# Drawing ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Style:
    family: int  # index into the writer's families
    size: float
    line_height: float  # as a multiple of the size
    grey: float = BLACK

    @property
    def leading(self) -> float:
        return self.size * self.line_height


def _n(value: float) -> bytes:
    return f"{value:.2f}".rstrip("0").rstrip(".").encode()


class _Writer:
    def __init__(self, table: LongTable):
        self.table = table
        self.families = list(_families())
        self.body = Style(0, 11, LINE_HEIGHT)
        self.title = Style(1, 22, LINE_HEIGHT)  # h1: 2em of the body
        self.header = Style(0, 8.5, LINE_HEIGHT, TEXT_GREY)
        self.footer = Style(0, 9, LINE_HEIGHT, FOOTER_GREY)
        self.cell = Style(0, 9, CELL_LINE_HEIGHT)
        self.heading_cell = Style(1, 9, CELL_LINE_HEIGHT)
        self.pdf = pydyf.PDF()
        self.fonts = pydyf.Dictionary()
        self.resources = pydyf.Dictionary({"Font": self.fonts})
        self.pdf.add_object(self.resources)
        self.font_refs: dict[tuple[int, int], pydyf.Dictionary] = {}
        self.pages: list[pydyf.Dictionary] = []
        self.ops: list[bytes] = []
        self.y = 0.0
        # Column grid: the lines' centres, the outer border half outside the content box as WeasyPrint draws.
        inner = RIGHT - LEFT - BORDER
        self.grid = [LEFT + BORDER / 2]
        for column in table.columns:
            self.grid.append(self.grid[-1] + column.width * inner)

    # Text ------------------------------------------------------------------------------------------------
    def baseline(self, style: Style) -> float:
        """From the top of a line box to its baseline: Pango's half-leading model with the hhea metrics."""
        face = self.families[style.family].face(0)
        return (style.leading - (face.ascent + face.descent) * style.size) / 2 + face.ascent * style.size

    def width(self, text: str, style: Style) -> float:
        family = self.families[style.family]
        kerns = family.kerns(text)
        return (sum(family.advances(text)) + (sum(kerns) if kerns else 0.0)) * style.size / 1000

    def lines(self, text: str, width: float, style: Style) -> list[str]:
        family, text = self.families[style.family], collapse(text)
        kerns = family.kerns(text)
        return wrap(text, width * 1000 / style.size, family.advances(text), kerns)

    def text(self, line: str, x: float, top: float, style: Style, *, word_spacing: float = 0.0) -> None:
        """One line whose line box starts at `top`; `word_spacing` is added after each space (justification)."""
        if not line:
            return
        family = self.families[style.family]
        glyphs = [family.glyph(c) for c in line]
        kerns = family.kerns(line)
        ops = [b"BT %.2f g %.2f %.2f Td" % (style.grey, x, PAGE_HEIGHT - top - self.baseline(style))]
        slot, run, shown = -1, list[bytes](), list[bytes]()  # run: CIDs as hex; shown: a TJ array's parts
        for k, (glyph_slot, _gid, _advance, code) in enumerate(glyphs):
            adjust = b""
            if glyph_slot != slot:
                if run:
                    ops.append(b"[%s<%s>] TJ" % (b"".join(shown), b"".join(run)))
                    run, shown = [], []
                slot = glyph_slot
                ops.append(b"/F%d_%d %.2f Tf" % (style.family, slot, style.size))
                self.font_used(style.family, slot)
            elif kerns and kerns[k]:
                adjust = b"%.1f" % -kerns[k]  # TJ subtracts: a negative kern is a positive number
            elif word_spacing and line[k - 1] == " ":  # Tw would not do: it applies to one-byte codes only
                adjust = b"%.2f" % (-word_spacing * 1000 / style.size)
            if adjust:
                shown.append(b"<%s>%s" % (b"".join(run), adjust))
                run = []
            run.append(code)
        ops.append(b"[%s<%s>] TJ ET" % (b"".join(shown), b"".join(run)))
        self.ops.append(b" ".join(ops))

    def font_used(self, family: int, slot: int) -> None:
        if (family, slot) not in self.font_refs:
            font = pydyf.Dictionary()  # filled in by finish() once every glyph used is known
            self.pdf.add_object(font)
            self.font_refs[family, slot] = font
            self.fonts[f"F{family}_{slot}"] = font.reference

    def paragraph(self, text: str, style: Style, *, margin: float, justify: bool = True) -> None:
        """A block of lines across the content width, onto a new page when a line does not fit."""
        lines = self.lines(text, RIGHT - LEFT, style)
        self.y += margin
        for number, line in enumerate(lines):
            if self.y + style.leading > BOTTOM + 1e-6:
                self.new_page()
            spacing = 0.0
            # CSS justifies every line but the last; WeasyPrint only widens the spaces (Chinese has none).
            if justify and number < len(lines) - 1 and " " in line:
                spacing = (RIGHT - LEFT - self.width(line, style)) / line.count(" ")
            self.text(line, LEFT, self.y, style, word_spacing=spacing)
            self.y += style.leading

    # Pages -----------------------------------------------------------------------------------------------
    def new_page(self) -> None:
        self.end_page()
        self.y = MARGIN_TOP
        # The running header: a bottom-aligned box in the top margin (padding 4pt), ruled under its text.
        rule_top = MARGIN_TOP - 4 - BORDER
        self.ops.append(b"%s g %s %s %s %s re f" % (_n(RULE_GREY), _n(MARGIN_LEFT), _n(PAGE_HEIGHT - rule_top - BORDER),
                                                    _n(PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT), _n(BORDER)))
        lines = self.lines(self.table.running_header, PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT, self.header)
        top = rule_top - 2 - len(lines) * self.header.leading
        for number, line in enumerate(lines):
            self.text(line, MARGIN_LEFT, top + number * self.header.leading, self.header)

    def end_page(self) -> None:
        if not self.ops:
            return
        # In q … Q: the footer, drawn after the page (finish), starts from the default graphics state.
        content = zlib.compress(b"\n".join([b"q", *self.ops, b"Q"]), 6)
        stream = pydyf.Stream([content], {"Filter": "/FlateDecode"})
        self.pdf.add_object(stream)
        page = pydyf.Dictionary({"Type": "/Page", "Parent": self.pdf.pages.reference,
                                 "MediaBox": pydyf.Array([0, 0, _n(PAGE_WIDTH), _n(PAGE_HEIGHT)]),
                                 "Resources": self.resources.reference, "Contents": pydyf.Array([stream.reference])})
        self.pdf.add_page(page)
        self.pages.append(page)
        self.ops = []

    # The table -------------------------------------------------------------------------------------------
    def cell_lines(self, cells: Sequence[str], style: Style) -> list[list[str]]:
        return [self.lines(cell, self.grid[k + 1] - self.grid[k] - BORDER - 2 * CELL_PAD_X, style)
                for k, cell in enumerate(cells)]

    def row_height(self, cells: list[list[str]], style: Style) -> float:
        """From the centre of the row's top rule to that of its bottom rule."""
        return BORDER + 2 * CELL_PAD_Y + max(len(lines) for lines in cells) * style.leading

    def draw_row(self, cells: list[list[str]], top: float, style: Style) -> None:
        for k, (lines, column) in enumerate(zip(cells, self.table.columns, strict=True)):
            left = self.grid[k] + BORDER / 2 + CELL_PAD_X
            room = self.grid[k + 1] - BORDER / 2 - CELL_PAD_X - left
            for number, line in enumerate(lines):
                x = left
                if column.align != "left":
                    slack = room - self.width(line, style)
                    x += slack if column.align == "right" else slack / 2
                self.text(line, x, top + BORDER / 2 + CELL_PAD_Y + number * style.leading, style)

    def draw_grid(self, rules: list[float]) -> None:
        """The rules of one page's part of the table: `rules` are the centres of its horizontal rules."""
        left, right = self.grid[0] - BORDER / 2, self.grid[-1] + BORDER / 2
        path = [b"%s G %s w" % (_n(GRID_GREY), _n(BORDER))]
        for y in rules:
            path.append(b"%s %s m %s %s l" % (_n(left), _n(PAGE_HEIGHT - y), _n(right), _n(PAGE_HEIGHT - y)))
        for x in self.grid:
            path.append(b"%s %s m %s %s l" % (_n(x), _n(PAGE_HEIGHT - rules[0] + BORDER / 2), _n(x),
                                              _n(PAGE_HEIGHT - rules[-1] - BORDER / 2)))
        path.append(b"S")
        self.ops.append(b" ".join(path))

    def draw_table(self, progress: Callable[[int, int], None] | None) -> None:
        heading = self.cell_lines([c.heading for c in self.table.columns], self.heading_cell)
        heading_height = self.row_height(heading, self.heading_cell)
        rows, total = self.table.rows, len(self.table.rows)
        rules: list[float] = []
        reported = time.monotonic()

        def start_table(top: float) -> None:
            rules[:] = [top + BORDER / 2, top + BORDER / 2 + heading_height]
            self.ops.append(b"%s g %s %s %s %s re f" % (
                _n(HEADING_FILL), _n(self.grid[0]), _n(PAGE_HEIGHT - rules[1]),
                _n(self.grid[-1] - self.grid[0]), _n(heading_height)))
            self.draw_row(heading, rules[0], self.heading_cell)

        start_table(self.y)
        for done, row in enumerate(rows, 1):
            cells = self.cell_lines(row, self.cell)
            height = self.row_height(cells, self.cell)
            # A row goes on when its bottom rule's centre is inside the page area (as WeasyPrint places
            # it: the rule's lower half may reach into the margin); rows are not split across pages.
            if rules[-1] + height > BOTTOM + 1e-6 and len(rules) > 2:
                self.draw_grid(rules)
                self.new_page()
                start_table(self.y)
            self.draw_row(cells, rules[-1], self.cell)
            rules.append(rules[-1] + height)
            if progress is not None and (done == total or time.monotonic() - reported >= 0.5):
                progress(done, total)
                reported = time.monotonic()
        self.draw_grid(rules)
        self.y = rules[-1] + BORDER / 2

    # The document ----------------------------------------------------------------------------------------
    def write(self, output: BinaryIO, progress: Callable[[int, int], None] | None) -> None:
        table = self.table
        self.new_page()
        # h1 { margin: .67em 0 } against the body's margin; the margins between blocks collapse (the larger).
        title_margin = 0.67 * self.title.size
        self.paragraph(table.title, self.title, margin=title_margin, justify=False)
        margin = title_margin
        for text in table.intro:
            self.paragraph(text, self.body, margin=max(margin, 0.3 * self.body.size))
            margin = 0.3 * self.body.size
        self.y += max(margin, 0.3 * self.cell.size)  # table.doc { margin: .3em 0 .6em }
        self.draw_table(progress)
        margin = 0.6 * self.cell.size
        for text in table.closing:
            self.paragraph(text, self.body, margin=max(margin, 0.3 * self.body.size))
            margin = 0.3 * self.body.size
        self.end_page()
        self.finish(output)

    def finish(self, output: BinaryIO) -> None:
        """The footers (now that the page count is known) and the fonts (now that their glyphs are)."""
        count = len(self.pages)
        for number, page in enumerate(self.pages, 1):
            label = f"第 {number} 页 / 共 {count} 页"
            # @bottom-center: centred on the page area, in the middle of the bottom margin.
            self.text(label, (MARGIN_LEFT + PAGE_WIDTH - MARGIN_RIGHT - self.width(label, self.footer)) / 2,
                      BOTTOM + (MARGIN_BOTTOM - self.footer.leading) / 2, self.footer)
            stream = pydyf.Stream([zlib.compress(self.ops.pop(), 6)], {"Filter": "/FlateDecode"})
            self.pdf.add_object(stream)
            page["Contents"].append(stream.reference)
        for (family, slot), font in self.font_refs.items():
            used: dict[int, str] = {}  # glyph id → the (first) character printed with it
            for char, (glyph_slot, gid, _advance, _code) in self.families[family].glyphs.items():
                if glyph_slot == slot:
                    used.setdefault(gid, char)
            font.update(_embed(self.pdf, self.families[family].face(slot), used))
        self.pdf.info["Title"] = pydyf.String(self.table.title)
        self.pdf.info["Producer"] = pydyf.String("益创 documents.long_table")
        self.pdf.write(output, version=b"1.7", compress=True)


def _embed(pdf: pydyf.PDF, face: Face, used: dict[int, str]) -> dict:
    """A Type 0 font of `face`'s glyphs in `used` (glyph id → character): a CFF subset of just those
    glyphs, which keeps their CIDs (the codes the pages show them by), widths, and a ToUnicode map."""
    font = TTFont(face.path, fontNumber=face.index, recalcBBoxes=False)
    options = subset.Options()
    options.notdef_outline = True
    options.layout_features = []
    options.name_IDs = []
    options.glyph_names = False
    for tag in list(font.keys()):  # only the CFF table is embedded: the others are not worth subsetting
        if tag not in ("CFF ", "head", "maxp", "post", "GlyphOrder"):
            del font[tag]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted({0, *used}))
    subsetter.subset(font)
    cff = font["CFF "].compile(font)
    by_cid = sorted((face.cids[gid], gid, char) for gid, char in used.items())
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha1(repr(by_cid).encode()).digest()[:6])
    name = f"{tag}+{face.postscript_name}"

    program = pydyf.Stream([zlib.compress(cff, 6)], {"Subtype": "/CIDFontType0C", "Filter": "/FlateDecode"})
    pdf.add_object(program)
    descriptor = pydyf.Dictionary({
        "Type": "/FontDescriptor", "FontName": pydyf.name(name).decode(), "Flags": 4,
        "FontBBox": pydyf.Array(face.bbox), "ItalicAngle": 0, "Ascent": round(face.ascent * 1000),
        "Descent": -round(face.descent * 1000), "CapHeight": face.cap_height, "StemV": 80,
        "FontFile3": program.reference})
    pdf.add_object(descriptor)
    widths = pydyf.Array()
    for cid, gid, _char in by_cid:  # runs of consecutive CIDs: cid [w w w]
        width = round(face.advances[gid])
        if widths and widths[-2] + len(widths[-1]) == cid:
            widths[-1].append(width)
        else:
            widths.extend([cid, pydyf.Array([width])])
    cid_font = pydyf.Dictionary({
        "Type": "/Font", "Subtype": "/CIDFontType0", "BaseFont": pydyf.name(name).decode(),
        "CIDSystemInfo": pydyf.Dictionary({"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"),
                                           "Supplement": 0}),
        "FontDescriptor": descriptor.reference, "DW": round(face.advances[0]), "W": widths})
    pdf.add_object(cid_font)
    to_unicode = pydyf.Stream([zlib.compress(_to_unicode({cid: char for cid, _gid, char in by_cid}), 6)],
                              {"Filter": "/FlateDecode"})
    pdf.add_object(to_unicode)
    return {"Type": "/Font", "Subtype": "/Type0", "BaseFont": pydyf.name(name + "-Identity-H").decode(),
            "Encoding": "/Identity-H", "DescendantFonts": pydyf.Array([cid_font.reference]),
            "ToUnicode": to_unicode.reference}


def _to_unicode(characters: dict[int, str]) -> bytes:
    entries = sorted(characters.items())  # CID → character
    out = [b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
           b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
           b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
           b"1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    for start in range(0, len(entries), 100):  # at most 100 entries a block
        block = entries[start:start + 100]
        out.append(b"%d beginbfchar" % len(block))
        out.extend(b"<%04x> <%s>" % (cid, char.encode("utf-16-be").hex().encode()) for cid, char in block)
        out.append(b"endbfchar")
    out.append(b"endcmap CMapName currentdict /CMapName get exch /CMap defineresource pop end end")
    return b"\n".join(out)


def write(table: LongTable, output: BinaryIO, *, progress: Callable[[int, int], None] | None = None) -> None:
    """Writes `table` as a PDF to `output`; `progress(done, total)` in rows, every half second or so."""
    _Writer(table).write(output, progress)


def render(table: LongTable, *, progress: Callable[[int, int], None] | None = None) -> bytes:
    buffer = io.BytesIO()
    write(table, buffer, progress=progress)
    return buffer.getvalue()
