"""Text straight to PDF, shared by the direct writers (documents.long_table, documents.flow): the print
fonts' glyphs and advances, line breaking, and a page canvas that draws text and rules with pydyf and
embeds each face used once, subset, as a CID font with a ToUnicode map (the text can be copied).

Why: WeasyPrint's cost for these documents is spread thin over cascade, layout, drawing and font
subsetting (bench/pdf_publicity.py, bench/pdf_agreements.py); documents that need none of what it does
(Chinese needs no shaping, a handful of block kinds) are drawn here instead, with the look of
documents-print.css: the constants below are those of the stylesheet.

Fonts are documents.print_fonts's: the GB2312 cut of each face first, the installed full face for the
characters outside it. Text this module cannot print as WeasyPrint would (marks that need shaping,
right-to-left scripts, control characters, a character another installed font has) is refused by
`unsupported`: the callers print those documents with WeasyPrint.
"""
import hashlib
import logging
import re
import shutil
import subprocess
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Literal

import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer, untyped
from cffi import FFI  # type: ignore[import-untyped]  # WeasyPrint's binding library, untyped
from fontTools import subset
from fontTools.ttLib import TTFont

from documents import print_fonts

PT_PER_CM = 72 / 2.54
PAGE_WIDTH, PAGE_HEIGHT = 21 * PT_PER_CM, 29.7 * PT_PER_CM  # A4
# documents-print.css: @page { margin: 2.5cm 2cm 2.2cm 2.2cm }, and the body's default margin (8px).
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 2.5 * PT_PER_CM, 2 * PT_PER_CM, 2.2 * PT_PER_CM, 2.2 * PT_PER_CM
BODY_MARGIN = 6.0
LEFT, RIGHT = MARGIN_LEFT + BODY_MARGIN, PAGE_WIDTH - MARGIN_RIGHT - BODY_MARGIN
BOTTOM = PAGE_HEIGHT - MARGIN_BOTTOM  # from the top of the page, as every y here
LINE_HEIGHT = 1.65  # html { line-height }
BORDER = 0.6  # table.doc borders, the running header's rule
BLACK, TEXT_GREY, RULE_GREY, FOOTER_GREY, HEADING_FILL, GRID_GREY = 0.0, 0.2, 0.4, 0.267, 0.949, 0.2

SERIF = ("Noto Serif CJK SC", "Regular")  # body text
SANS_BOLD = ("Noto Sans CJK SC", "Bold")  # headings, labels, emphasis

Align = Literal["left", "right", "center"]


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
        self.order = order
        self.kern_subtables, self.kern_firsts = _kern_subtables(font)
        self.ligatures = _ligatures(font, self.glyphs)
        self._kerns: dict[tuple[int, int], float] = {}

    def kern(self, first: int, second: int) -> float:
        """The `kern` feature's adjustment between two glyphs (1/1000 of the size), as HarfBuzz applies it."""
        value = self._kerns.get((first, second))
        if value is None:
            value = 0.0
            if self.order[first] in self.kern_firsts:
                value = _pair_value(self.kern_subtables, self.order[first], self.order[second]) * self.scale
            self._kerns[first, second] = value
        return value


class _CoverageOrder(logging.Filter):
    """Noto CJK's GSUB and GPOS list some Coverage tables out of glyph order; fontTools reads them anyway
    and says so once per table on the first document a process prints. Nothing is wrong for a reader of
    the log to act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Coverage is not sorted by glyph ids" not in record.getMessage()


logging.getLogger("fontTools.ttLib.tables.otTables").addFilter(_CoverageOrder())


def _ligatures(font: TTFont, glyphs: dict[int, int]) -> dict[str, int]:
    """The ligatures HarfBuzz makes by default (`ccmp`, `liga`), as text → glyph id: in the Noto CJK faces
    "——" and "———" (one long dash, 0.9 pt narrower at 10pt than two), "――", "ff", "fi", "fl", "ffi", "ffl"
    and two kana repeat marks."""
    if "GSUB" not in font:
        return {}
    gsub = font["GSUB"].table
    order = font.getGlyphOrder()
    chars = {order[gid]: chr(code) for code, gid in sorted(glyphs.items(), reverse=True)}
    found: dict[str, int] = {}
    for record in gsub.FeatureList.FeatureRecord:
        if record.FeatureTag not in ("ccmp", "liga"):
            continue
        for index in record.Feature.LookupListIndex:
            lookup = gsub.LookupList.Lookup[index]
            for sub in lookup.SubTable:
                sub = sub.ExtSubTable if lookup.LookupType == 7 else sub
                for first, ligatures in getattr(sub, "ligatures", {}).items():
                    for ligature in ligatures:
                        sequence = [first, *ligature.Component]
                        if all(name in chars for name in sequence):
                            found.setdefault("".join(chars[name] for name in sequence), font.getGlyphID(ligature.LigGlyph))
    return found


def _kern_subtables(font: TTFont) -> tuple[list[tuple], set[str]]:
    """The pair-positioning subtables of the font's `kern` feature (with the glyphs each covers first) and
    all the glyphs any of them covers first. HarfBuzz applies them when WeasyPrint prints Latin text, amounts
    and codes ("YC" is half a point tighter at 9pt), dashes ("——" is 0.9 pt tighter at 10pt), Greek,
    Cyrillic and kana; Chinese characters have none."""
    if "GPOS" not in font:
        return [], set()
    gpos = font["GPOS"].table
    indices = sorted({i for record in gpos.FeatureList.FeatureRecord if record.FeatureTag == "kern"
                      for i in record.Feature.LookupListIndex})
    subtables, firsts = [], set()
    for i in indices:
        lookup = gpos.LookupList.Lookup[i]
        for sub in lookup.SubTable:
            sub = sub.ExtSubTable if lookup.LookupType == 9 else sub
            if sub.LookupType == 2 and sub.ValueFormat1 & 4:  # pair positioning with an x advance
                subtables.append((sub, {glyph: k for k, glyph in enumerate(sub.Coverage.glyphs)}))
                firsts.update(sub.Coverage.glyphs)
    return subtables, firsts


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
        self._pairs: dict[str, float] = {}  # two characters → their kern
        self._kerned: re.Pattern[str] | None = None  # a character the first face kerns, and the next
        self._ligature_pattern: re.Pattern[str] | None = None

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
        """Each character's advance; a ligature's is its first character's, the others' nothing."""
        glyph = self.glyph
        if self.ligature_pattern().search(text) is None:
            return [glyph(c)[2] for c in text]
        advances = [0.0] * len(text)
        for start, _end, found in self.shaped(text):
            advances[start] = found[2]
        return advances

    def ligature_pattern(self) -> re.Pattern[str]:
        if self._ligature_pattern is None:
            sequences = sorted(self.face(0).ligatures, key=len, reverse=True)  # the longest first, as GSUB
            self._ligature_pattern = re.compile("|".join(map(re.escape, sequences)) or "(?!)")
        return self._ligature_pattern

    def shaped(self, text: str) -> list[tuple[int, int, tuple[int, int, float, bytes]]]:
        """The glyphs printing `text`: (start, end, glyph) with the ligatures made (only the first face's)."""
        glyph, position = self.glyph, 0
        out: list[tuple[int, int, tuple[int, int, float, bytes]]] = []
        for match in self.ligature_pattern().finditer(text):
            out.extend((k, k + 1, glyph(text[k])) for k in range(position, match.start()))
            sequence = match.group()
            found = self.glyphs.get(sequence)
            if found is None:
                face = self.face(0)
                gid = face.ligatures[sequence]
                found = self.glyphs[sequence] = (0, gid, face.advances[gid], b"%04x" % face.cids[gid])
            out.append((match.start(), match.end(), found))
            position = match.end()
        out.extend((k, k + 1, glyph(text[k])) for k in range(position, len(text)))
        return out

    def kerns(self, text: str) -> list[float] | None:
        """The pair adjustment before each character (1/1000 of the size), or None when there is none:
        only pairs whose first character the first face kerns have one (never two Chinese characters)."""
        if self._kerned is None:
            face = self.face(0)
            chars = sorted(chr(code) for code, gid in face.glyphs.items() if face.order[gid] in face.kern_firsts)
            self._kerned = re.compile(f"[{''.join(map(re.escape, chars))}]." if chars else "(?!)", re.S)
        if not self._kerned.search(text):
            return None
        pairs, kerns = self._pairs, None
        for k in range(1, len(text)):
            pair = text[k - 1:k + 1]
            value = pairs.get(pair)
            if value is None:
                first, second = self.glyph(pair[0]), self.glyph(pair[1])
                # HarfBuzz shapes each face's run apart: no pair across faces, none but the first face's.
                value = self.face(0).kern(first[1], second[1]) if first[0] == second[0] == 0 else 0.0
                pairs[pair] = value
            if value:
                kerns = kerns or [0.0] * len(text)
                kerns[k] = value
        return kerns




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


def unsupported(texts: Iterable[str]) -> bool:
    """Whether some text cannot be printed here as WeasyPrint would: the fonts are missing, or a character
    needs shaping or reordering, or is in another installed font (every character must be either in the
    Noto faces or in no installed font at all: both print an empty box)."""
    try:
        families = _families()
    except (LookupError, OSError, ValueError, KeyError):
        return True
    for char in set("".join(texts)):
        if char in " \t\n\r\f":
            continue
        if unicodedata.category(char)[0] in "CM" or unicodedata.bidirectional(char) in ("R", "AL", "AN"):
            return True  # control and format characters, marks: shaping; right-to-left: reordering
        if not all(f.covers(char) for f in families) and _another_font_has(char):
            return True
    return False


# Line breaking ----------------------------------------------------------------------------------------

# No line starts with closing punctuation, none ends with opening punctuation (the usual Chinese rule).
NO_START = frozenset("，。、；：？！）》」』】〕〉…’”％‰·,.;:?!)]}%")
NO_END = frozenset("（《「『【〔〈‘“([{")
PREFIXES = frozenset("¥￥$£€")
SPACES = re.compile(r"[ \t\n\r\f]+")


def _word(char: str) -> bool:
    # Latin letters, digits and their punctuation: a run of them ("YC2026-00001", "254,000.00") stays whole.
    return ord(char) < 0x2E80 and char != " "


def can_break(before: str, after: str) -> bool:
    """Whether a line may break between two characters: anywhere between Chinese characters, after a
    space, not inside a run of Latin letters and digits (but after a hyphen or a slash before a letter, as
    in a URL or a hyphenated name), not against the punctuation rule (nor between a closing bracket and a
    currency sign: "（小写）¥86")."""
    if after == " ":
        return False
    if before == " ":
        return True
    if after in NO_START or before in NO_END or (after in PREFIXES and before in NO_START):
        return False
    if before in "-/" and after.isascii() and after.isalpha():
        return True  # Unicode line breaking (UAX #14) as Pango applies it: HY ÷ AL, SY ÷ AL
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
    return [text[start:end] for start, end in wrap_spans(text, width, advances, kerns)]


def wrap_spans(text: str, width: float, advances: Sequence[float],
               kerns: Sequence[float] | None = None) -> list[tuple[int, int]]:
    """`wrap`'s lines as (start, end) in `text`, the spaces at the end of a line left out."""
    def measure(start: int, end: int) -> float:  # a line's first character has no pair before it
        return sum(advances[start:end]) + (sum(kerns[start + 1:end]) if kerns else 0.0)

    def line(start: int, end: int) -> tuple[int, int]:
        while end > start and text[end - 1] == " ":
            end -= 1
        return start, end

    if measure(0, len(text)) <= width + 1e-6:  # most cells: one line, no breaking to look for
        return [(0, len(text))]
    lines: list[tuple[int, int]] = []
    start, x, opportunity, i = 0, 0.0, -1, 0
    while i < len(text):
        char = text[i]
        if i > start and can_break(text[i - 1], char):
            opportunity = i
        step = advances[i] + (kerns[i] if kerns and i > start else 0.0)
        if char != " " and i > start and x + step > width + 1e-6:
            end = opportunity if opportunity > start else i
            lines.append(line(start, end))
            start = end
            while start < len(text) and text[start] == " ":
                start += 1
            x, opportunity, i = measure(start, i), -1, max(i, start)
            continue
        x += step
        i += 1
    if start < len(text):
        lines.append(line(start, len(text)))
    return lines


def unbreakable(text: str) -> list[str]:
    """`text` cut at every break opportunity (spaces dropped): the widest piece is its min-content width,
    what the automatic table layout gives a column at the least."""
    pieces, start = [], 0
    for i in range(1, len(text)):
        if can_break(text[i - 1], text[i]):
            pieces.append(text[start:i].strip(" "))
            start = i
    pieces.append(text[start:].strip(" "))
    return [piece for piece in pieces if piece]


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


class Canvas:
    """Pages of text and rules. Each page's content is compressed as soon as the page ends; the footers
    (第 N 页 / 共 M 页) wait for the page count, the fonts for the last glyph printed (`finish`)."""

    def __init__(self) -> None:
        self.families = list(_families())
        self.pdf = pydyf.PDF()
        self.fonts = pydyf.Dictionary()
        self.resources = pydyf.Dictionary({"Font": self.fonts})
        self.pdf.add_object(self.resources)
        self.font_refs: dict[tuple[int, int], pydyf.Dictionary] = {}
        self.pages: list[pydyf.Dictionary] = []
        self.ops: list[bytes] = []
        self.footer = Style(0, 9, LINE_HEIGHT, FOOTER_GREY)

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

    def text(self, line: str, x: float, top: float, style: Style, *, word_spacing: float = 0.0,
             letter_spacing: float = 0.0, baseline: float | None = None) -> None:
        """One line whose line box starts at `top` (or whose baseline is at `baseline`); `word_spacing` is
        added after each space (justification), `letter_spacing` after each character but the last."""
        if not line:
            return
        family = self.families[style.family]
        glyphs = family.shaped(line)
        kerns = family.kerns(line)
        y = PAGE_HEIGHT - (baseline if baseline is not None else top + self.baseline(style))
        ops = [b"BT %.2f g %.2f %.2f Td" % (style.grey, x, y)]
        slot, run, shown = -1, list[bytes](), list[bytes]()  # run: CIDs as hex; shown: a TJ array's parts
        for n, (k, _end, (glyph_slot, _gid, _advance, code)) in enumerate(glyphs):
            adjust = b""
            if glyph_slot != slot:
                if run:
                    ops.append(b"[%s<%s>] TJ" % (b"".join(shown), b"".join(run)))
                    run, shown = [], []
                slot = glyph_slot
                ops.append(b"/F%d_%d %.2f Tf" % (style.family, slot, style.size))
                self.font_used(style.family, slot)
                if n and letter_spacing:  # a new TJ starts where the last glyph ended: move by the spacing
                    ops.append(b"%.2f 0 Td" % letter_spacing)
            elif letter_spacing:
                adjust = b"%.2f" % (-(letter_spacing * 1000 / style.size) - (kerns[k] if kerns else 0.0))
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

    # Shapes ----------------------------------------------------------------------------------------------
    def fill(self, grey: float, x: float, top: float, width: float, height: float) -> None:
        """A filled rectangle whose top edge is at `top` (from the top of the page)."""
        self.ops.append(b"%s g %s %s %s %s re f" % (_n(grey), _n(x), _n(PAGE_HEIGHT - top - height), _n(width), _n(height)))

    def rule(self, grey: float, left: float, right: float, top: float, width: float = BORDER) -> None:
        """A horizontal rule whose top edge is at `top`: stroked, as WeasyPrint draws a border (a filled
        rectangle is rasterised a pixel thicker)."""
        y = _n(PAGE_HEIGHT - top - width / 2)
        self.ops.append(b"%s G %s w %s %s m %s %s l S" % (_n(grey), _n(width), _n(left), y, _n(right), y))

    # Pages -----------------------------------------------------------------------------------------------
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

    def finish(self, output: BinaryIO, *, title: str, producer: str) -> None:
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
        self.pdf.info["Title"] = pydyf.String(title)
        self.pdf.info["Producer"] = pydyf.String(producer)
        self.pdf.write(output, version=b"1.7", compress=True)


class _HarfBuzz:
    """HarfBuzz's subsetter (libharfbuzz-subset, which WeasyPrint uses too), through cffi.

    Why: fontTools' subsetter took 0.4 s of CPU for each face of an agreement (reading the CFF table,
    following subroutines, compiling), more than the whole page costs WeasyPrint; HarfBuzz subsets the
    same glyphs in a few milliseconds from the font file, mapped once per process."""

    CDEF = """
        typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t; typedef struct hb_set_t hb_set_t;
        typedef struct hb_subset_input_t hb_subset_input_t; typedef uint32_t hb_codepoint_t; typedef uint32_t hb_tag_t;
        hb_blob_t *hb_blob_create_from_file_or_fail (const char *file_name);
        void hb_blob_destroy (hb_blob_t *blob);
        const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
        hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
        void hb_face_destroy (hb_face_t *face);
        hb_blob_t *hb_face_reference_table (const hb_face_t *face, hb_tag_t tag);
        unsigned int hb_face_get_table_tags (const hb_face_t *face, unsigned int start_offset,
                                             unsigned int *table_count, hb_tag_t *table_tags);
        void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
        hb_subset_input_t *hb_subset_input_create_or_fail (void);
        void hb_subset_input_destroy (hb_subset_input_t *input);
        hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
        hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
        void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned value);
        hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
    """
    NO_HINTING, RETAIN_GIDS, DESUBROUTINIZE, NOTDEF_OUTLINE = 0x1, 0x2, 0x4, 0x40
    DROP_TABLE_TAG = 3
    CFF = int.from_bytes(b"CFF ", "big")

    def __init__(self) -> None:
        self.ffi = FFI()
        self.ffi.cdef(self.CDEF)
        self.hb = self.ffi.dlopen("harfbuzz")
        self.subset_lib = self.ffi.dlopen("harfbuzz-subset")
        self.faces: dict[tuple, object] = {}

    def face(self, face: Face):
        stat = face.path.stat()
        key = (face.path, face.index, stat.st_size, stat.st_mtime_ns)
        found = self.faces.get(key)
        if found is None:
            blob = self.hb.hb_blob_create_from_file_or_fail(str(face.path).encode())
            if blob == self.ffi.NULL:
                raise OSError(f"{face.path}: not readable by HarfBuzz")
            found = self.ffi.gc(self.hb.hb_face_create(blob, face.index), self.hb.hb_face_destroy)
            self.hb.hb_blob_destroy(blob)  # the face holds its own reference
            if len(self.faces) >= 8:
                self.faces.clear()
            self.faces[key] = found
        return found

    def cff(self, face: Face, gids: Sequence[int]) -> bytes:
        """The CFF table of `face` with only `gids` drawn, every glyph keeping its id (so its CID, which
        equals it in these faces): hinting and subroutines removed, as WeasyPrint subsets."""
        ffi, hb, lib = self.ffi, self.hb, self.subset_lib
        source = self.face(face)
        plan = ffi.gc(lib.hb_subset_input_create_or_fail(), lib.hb_subset_input_destroy)
        if plan == ffi.NULL:
            raise MemoryError("hb_subset_input_create_or_fail")
        glyphs = lib.hb_subset_input_glyph_set(plan)
        for gid in gids:
            hb.hb_set_add(glyphs, gid)
        lib.hb_subset_input_set_flags(plan, self.NO_HINTING | self.RETAIN_GIDS | self.DESUBROUTINIZE | self.NOTDEF_OUTLINE)
        count = ffi.new("unsigned int *", 64)
        tags = ffi.new("hb_tag_t[64]")
        hb.hb_face_get_table_tags(source, 0, count, tags)
        drop = lib.hb_subset_input_set(plan, self.DROP_TABLE_TAG)
        for k in range(count[0]):  # only the CFF table is embedded: the others are not worth subsetting
            if tags[k] != self.CFF:
                hb.hb_set_add(drop, tags[k])
        result = lib.hb_subset_or_fail(source, plan)
        if result == ffi.NULL:
            raise ValueError(f"{face.path}: HarfBuzz could not subset it")
        result = ffi.gc(result, hb.hb_face_destroy)
        blob = hb.hb_face_reference_table(result, self.CFF)
        try:
            length = ffi.new("unsigned int *")
            data = hb.hb_blob_get_data(blob, length)
            cff = bytes(ffi.buffer(data, length[0]))
        finally:
            hb.hb_blob_destroy(blob)
        if not cff:
            raise ValueError(f"{face.path}: HarfBuzz gave no CFF table")
        return cff


@lru_cache(maxsize=1)
def _harfbuzz() -> _HarfBuzz | None:
    try:
        return _HarfBuzz()
    except (ImportError, OSError, AttributeError):
        return None


def _cff_subset(face: Face, gids: Sequence[int]) -> bytes:
    """The CFF table of `face` with just `gids`, keeping their CIDs: by HarfBuzz where the glyph ids are
    the CIDs (the print fonts, the Noto faces), else by fontTools (which keeps the charset's CIDs)."""
    harfbuzz = _harfbuzz()
    if harfbuzz is not None and all(face.cids[gid] == gid for gid in gids):
        try:
            return harfbuzz.cff(face, gids)
        except (OSError, ValueError, MemoryError):
            pass  # fontTools below
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
    subsetter.populate(gids=gids)
    subsetter.subset(font)
    return font["CFF "].compile(font)


def _embed(pdf: pydyf.PDF, face: Face, used: dict[int, str]) -> dict:
    """A Type 0 font of `face`'s glyphs in `used` (glyph id → character): a CFF subset of just those
    glyphs, which keeps their CIDs (the codes the pages show them by), widths, and a ToUnicode map."""
    cff = _cff_subset(face, sorted({0, *used}))
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


