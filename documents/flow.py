"""Flowing documents (the grant agreement) as data, printed straight to PDF or, as HTML, by WeasyPrint.

A `Document` is a list of blocks (title, headings, justified paragraphs with bold runs, label/value
tables, small tables laid out like WeasyPrint's automatic table layout, a numbered clause list, signature
blocks) built once by its owner (projects.agreements). Both printers read the same blocks: `render_direct`
draws them with documents.pdf_text, `html` renders them with templates/documents/flow.html for WeasyPrint
(the fallback, and the reference the direct pages are compared with in tests/documents/test_flow.py), so
the wording exists once.

Why: an agreement cost 2.9× a bare one-page Chinese WeasyPrint page on CPU (bench/pdf_agreements.py; 0.263 s
against 0.091 s), spread thin over cascade, layout, drawing and font subsetting, with the stylesheet already
tuned; drawn here it is a few hundred PDF operators and two small font subsets by HarfBuzz: 0.058 s, half
the bare page (0.49×; WeasyPrint 2.65× in the same run). The look is that of
documents-print.css as WeasyPrint prints these blocks: the constants below are the stylesheet's, and text
lands within a fraction of a point of WeasyPrint's, with the same line and page breaks (orphans and widows
of 2, headings kept with what follows, table rows never split, a table's header row repeated on the next
page, the signature blocks kept together). `supports` sends anything else to WeasyPrint.
"""
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar

from django.template.loader import render_to_string

from documents import pdf
from documents.pdf_text import (
    BLACK,
    BODY_MARGIN,
    BORDER,
    BOTTOM,
    GRID_GREY,
    HEADING_FILL,
    LEFT,
    LINE_HEIGHT,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RIGHT,
    RULE_GREY,
    TEXT_GREY,
    Canvas,
    Style,
    _n,
    collapse,
    unbreakable,
    unsupported,
    wrap_spans,
)

TEMPLATE = "documents/flow.html"

# documents-print.css, in points.
CELL_PAD_X, CELL_PAD_Y = 5.0, 3.0  # table.doc th, td { padding: 3pt 5pt }
LABEL_SHARE = 0.24  # table.fields th { width: calc(24% - 10pt - .6pt) }: the label column, padding and border in
CLAUSE_INDENT = 1.6  # ol.clauses { padding-left: 1.6em }
SIGNATURE_LINE_HEIGHT = 2.2  # table.signatures td { line-height: 2.2 }


# The blocks ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """Part of a paragraph; `bold` prints it in <strong> (sans bold), `testid` marks it in the HTML."""
    text: str
    bold: bool = False
    testid: str = ""


@dataclass(frozen=True)
class Title:
    element: ClassVar[str] = "title"  # which part of flow.html prints it
    text: str  # h1.doc-title: centred, letter-spaced


@dataclass(frozen=True)
class Number:
    element: ClassVar[str] = "number"  # which part of flow.html prints it
    text: str  # p.doc-number: right-aligned under the title


@dataclass(frozen=True)
class Heading:
    element: ClassVar[str] = "heading"  # which part of flow.html prints it
    text: str  # h2, kept with the block after it


@dataclass(frozen=True)
class Paragraph:
    element: ClassVar[str] = "paragraph"  # which part of flow.html prints it
    runs: tuple[Run, ...]
    note: bool = False  # p.note: small and grey


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    testid: str = ""
    preserve: bool = False  # user text: its line breaks kept (.user-text, white-space: pre-wrap)


@dataclass(frozen=True)
class Fields:
    element: ClassVar[str] = "fields"  # which part of flow.html prints it
    rows: tuple[Field, ...]  # table.doc.fields: a grey label column of 24%, values wrapping anywhere


@dataclass(frozen=True)
class Cell:
    text: str
    head: bool = False  # a <th>: sans bold on grey
    num: bool = False  # right-aligned, on one line
    nowrap: bool = False  # fixed short wording, on one line


@dataclass(frozen=True)
class Table:
    """table.doc with the automatic layout: columns as wide as their text asks (`css_class`: its other class)."""
    element: ClassVar[str] = "table"  # which part of flow.html prints it
    css_class: str
    head: tuple[Cell, ...]  # repeated at the top of the next page when the table is split
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Clauses:
    element: ClassVar[str] = "clauses"  # which part of flow.html prints it
    items: tuple[str, ...]  # ol.clauses: numbered, hanging


@dataclass(frozen=True)
class Signature:
    role: str
    name: str
    signer: str


@dataclass(frozen=True)
class Signatures:
    element: ClassVar[str] = "signatures"  # which part of flow.html prints it
    blocks: tuple[Signature, ...]  # two a row, each half the width, kept together on one page

    @property
    def rows(self) -> list[tuple[Signature, ...]]:
        return [self.blocks[k:k + 2] for k in range(0, len(self.blocks), 2)]


Block = Title | Number | Heading | Paragraph | Fields | Table | Clauses | Signatures


@dataclass(frozen=True)
class Document:
    title: str  # the PDF's title
    header_left: str  # the running header: left and right on every page
    header_right: str
    blocks: tuple[Block, ...]


def texts(document: Document) -> Iterable[str]:
    yield from (document.title, document.header_left, document.header_right)
    for block in document.blocks:
        if isinstance(block, Title | Number | Heading):
            yield block.text
        elif isinstance(block, Paragraph):
            yield from (run.text for run in block.runs)
        elif isinstance(block, Fields):
            yield from (text for row in block.rows for text in (row.label, row.value))
        elif isinstance(block, Table):
            yield from (cell.text for row in (block.head, *block.rows) for cell in row)
        elif isinstance(block, Clauses):
            yield from block.items
        elif isinstance(block, Signatures):
            yield from (text for s in block.blocks for text in (s.role, s.name, s.signer))


# Printing ---------------------------------------------------------------------------------------------

def html(document: Document) -> str:
    return render_to_string(TEMPLATE, {"doc": document})


def render_weasyprint(document: Document) -> bytes:
    return pdf.html_to_pdf(html(document))


def render(document: Document) -> bytes:
    """The PDF: drawn directly when `supports` says it prints the same, else by WeasyPrint; by WeasyPrint
    too when a row is taller than a page (a very long 项目简介), which WeasyPrint splits and this writer
    does not."""
    if supports(document):
        writer = _Writer(document)
        writer.build()
        if writer.fits():
            buffer = io.BytesIO()
            writer.write(buffer)
            return buffer.getvalue()
    return render_weasyprint(document)


def supports(document: Document) -> bool:
    """Whether `render_direct` prints `document` as WeasyPrint would: every character printable here
    (documents.pdf_text.unsupported), and nothing laid out in ways not done here: a running header or
    a title on more than one line, a tab in preserved text (a tab stop), a table wider than the page."""
    if unsupported(texts(document)):
        return False
    if any("\t" in row.value for block in document.blocks if isinstance(block, Fields) for row in block.rows
           if row.preserve):
        return False
    try:
        writer = _Writer(document)
    except (LookupError, OSError, ValueError, KeyError):
        return False
    if writer.width(document.header_left, writer.header) + writer.width(document.header_right, writer.header) \
            > PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT:
        return False
    for block in document.blocks:
        if isinstance(block, Title) and writer.title_width(block.text) > RIGHT - LEFT:
            return False
        if isinstance(block, Number) and writer.width(block.text, writer.number) > RIGHT - LEFT:
            return False
        if isinstance(block, Table) and sum(writer.column_widths(block)[0]) > RIGHT - LEFT - BORDER + 1e-6:
            return False
    return True


def render_direct(document: Document) -> bytes:
    """Drawn by this writer whatever `supports` says (tests and benchmarks compare it with WeasyPrint)."""
    writer = _Writer(document)
    writer.build()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# Layout ----------------------------------------------------------------------------------------------

@dataclass
class _Item:
    """An unbreakable piece of the flow: a line, a table row, the signature blocks."""
    height: float  # what must fit above the page's bottom edge
    gap: float  # the collapsed margins before it; dropped at the top of a page (but the first)
    draw: Callable[[float], None]  # draws it with its top at y
    keep: bool = False  # no page break before it (orphans and widows, a heading, a table's header row)
    after: float = 0.0  # drawn past its height, not counted to fit (half of a table's bottom rule)
    repeat: "_Item | None" = None  # drawn first when it starts a page (the table's header row)
    lead: float = 0.0  # room above it when it starts a page (half of a continued table's top rule)


@dataclass
class _Line:
    segments: list[tuple[str, Style]] = field(default_factory=list)
    width: float = 0.0  # without justification
    spaces: int = 0


class _Writer(Canvas):
    def __init__(self, document: Document):
        super().__init__()
        self.document = document
        self.body, self.strong = Style(0, 11, LINE_HEIGHT), Style(1, 11, LINE_HEIGHT)
        self.header = Style(0, 8.5, LINE_HEIGHT, TEXT_GREY)
        self.title = Style(1, 24, LINE_HEIGHT)  # h1.doc-title { font-size: 24pt; letter-spacing: .35em }
        self.number = Style(0, 10, LINE_HEIGHT)  # .doc-number { font-size: 10pt }
        self.heading = Style(1, 12.5, LINE_HEIGHT)  # h2 { font-size: 12.5pt }
        self.cell, self.head_cell = Style(0, 10, LINE_HEIGHT), Style(1, 10, LINE_HEIGHT)  # table.doc: 10pt
        self.note, self.note_strong = Style(0, 9.5, LINE_HEIGHT, TEXT_GREY), Style(1, 9.5, LINE_HEIGHT, TEXT_GREY)
        self.signature = Style(0, 11, SIGNATURE_LINE_HEIGHT)
        self.items: list[_Item] = []
        self.margin = 0.0  # the bottom margin of the last block, collapsing with the next one's top
        self.late: list[bytes] = []  # the page's table rules, drawn over the cells' backgrounds
        self.heading_before = False

    # Text ------------------------------------------------------------------------------------------------
    def title_width(self, text: str) -> float:
        return self.width(text, self.title) + len(text) * 0.35 * self.title.size  # spacing after every letter

    def inline_lines(self, runs: Sequence[tuple[str, Style]], width: float, *, preserve: bool = False) -> list[_Line]:
        """Runs of text in styles, in lines as a browser breaks them: white space collapsed across the runs
        (or, `preserve`d, kept with its line breaks), kerning inside a run."""
        chars: list[tuple[str, Style]] = []
        for text, style in runs:
            for char in text:
                if not preserve and char in " \t\n\r\f":
                    if chars and chars[-1][0] != " ":
                        chars.append((" ", style))
                else:
                    chars.append((char, style))
        if not preserve:
            while chars and chars[-1][0] == " ":
                chars.pop()
        paragraphs = [chars]
        if preserve:
            paragraphs, current = [], list[tuple[str, Style]]()
            for char, style in chars:
                if char == "\n":
                    paragraphs.append(current)
                    current = []
                else:
                    current.append((char, style))
            if current or not paragraphs:
                paragraphs.append(current)  # a final line break makes no empty line
        lines = []
        for part in paragraphs:
            text = "".join(c for c, _s in part)
            advances, kerns = [0.0] * len(part), [0.0] * len(part)
            start = 0
            for k in range(1, len(part) + 1):  # each run of one style: its advances, ligatures and kerns
                if k == len(part) or part[k][1] != part[start][1]:
                    style = part[start][1]
                    family = self.families[style.family]
                    advances[start:k] = [v * style.size / 1000 for v in family.advances(text[start:k])]
                    found = family.kerns(text[start:k])
                    if found:
                        kerns[start + 1:k] = [v * style.size / 1000 for v in found[1:]]
                    start = k
            if not part:
                lines.append(_Line())
                continue
            for start, end in wrap_spans(text, width, advances, kerns):
                line = _Line(width=sum(advances[start:end]) + sum(kerns[start + 1:end]), spaces=text.count(" ", start, end))
                for k in range(start, end):
                    char, style = part[k]
                    if line.segments and line.segments[-1][1] == style:
                        line.segments[-1] = (line.segments[-1][0] + char, style)
                    else:
                        line.segments.append((char, style))
                lines.append(line)
        return lines

    def line_box(self, line: _Line, strut: Style) -> tuple[float, float]:
        """(height, baseline from the top) of a line: the inline boxes' half-leadings around a shared
        baseline, with the block's own font (the strut), as Pango and WeasyPrint place them."""
        above = below = 0.0
        for style in {strut, *(s for _t, s in line.segments)}:
            face = self.families[style.family].face(0)
            half = (style.leading - (face.ascent + face.descent) * style.size) / 2
            above = max(above, half + face.ascent * style.size)
            below = max(below, half + face.descent * style.size)
        return above + below, above

    def draw_line(self, line: _Line, x: float, top: float, strut: Style, *, justify_to: float | None = None) -> None:
        _height, baseline = self.line_box(line, strut)
        spacing = (justify_to - line.width) / line.spaces if justify_to is not None and line.spaces else 0.0
        for text, style in line.segments:
            self.text(text, x, 0, style, word_spacing=spacing, baseline=top + baseline)
            x += self.width(text, style) + spacing * text.count(" ")

    def simple_lines(self, text: str, width: float, style: Style, *, preserve: bool = False) -> list[_Line]:
        return self.inline_lines([(text, style)], width, preserve=preserve)

    # The flow ---------------------------------------------------------------------------------------------
    def add(self, item: _Item, margin_top: float = 0.0) -> _Item:
        """Appends `item` to the flow: its top margin collapses with the bottom margin before it."""
        item.gap = max(self.margin, margin_top)
        self.margin = 0.0
        self.items.append(item)
        return item

    def block_lines(self, lines: list[_Line], strut: Style, x: float, width: float, *, margin: tuple[float, float],
                    justify: bool = False, align: str = "left", keep_first: bool = False, marker: str = "") -> None:
        """A block of lines; a page break leaves at least two lines on either side (orphans, widows)."""
        for number, line in enumerate(lines):
            height, _baseline = self.line_box(line, strut)
            last = number == len(lines) - 1

            def draw(top: float, line: _Line = line, last: bool = last, first: bool = number == 0) -> None:
                left = x
                if align == "right":
                    left = x + width - line.width
                self.draw_line(line, left, top, strut, justify_to=width if justify and not last else None)
                if first and marker:
                    self.text(marker, x - self.width(marker, strut), top, strut)

            keep = (0 < number < 2 or (number > 0 and len(lines) - number < 2)) or (number == 0 and keep_first)
            self.add(_Item(height, 0.0, draw, keep=keep), margin[0] if number == 0 else 0.0)
        self.margin = margin[1]

    def paragraph(self, block: Paragraph) -> None:
        plain, bold = (self.note, self.note_strong) if block.note else (self.body, self.strong)
        lines = self.inline_lines([(run.text, bold if run.bold else plain) for run in block.runs], RIGHT - LEFT)
        margin = 0.3 * plain.size  # p { margin: .3em 0 }
        self.block_lines(lines, plain, LEFT, RIGHT - LEFT, margin=(margin, margin), justify=True,
                         keep_first=self.after_heading())

    def after_heading(self) -> bool:
        return self.heading_before  # h2 { page-break-after: avoid }

    def build(self) -> None:
        self.margin = BODY_MARGIN  # the body's margin, collapsing with the first block's
        for block in self.document.blocks:
            heading = isinstance(block, Heading)
            if isinstance(block, Title):
                spaced, text = 0.35 * self.title.size, block.text
                width = self.title_width(text)

                def draw_title(top: float, text: str = text, width: float = width, spaced: float = spaced) -> None:
                    self.text(text, (LEFT + RIGHT - width) / 2, top, self.title, letter_spacing=spaced)

                self.add(_Item(self.title.leading, 0.0, draw_title), 0.0)
                self.margin = 0.2 * self.title.size  # margin: 0 0 .2em
            elif isinstance(block, Number):
                lines = self.simple_lines(block.text, RIGHT - LEFT, self.number)
                self.block_lines(lines, self.number, LEFT, RIGHT - LEFT, margin=(0.0, 1.2 * self.number.size),
                                 align="right")
            elif isinstance(block, Heading):
                lines = self.simple_lines(block.text, RIGHT - LEFT, self.heading)
                self.block_lines(lines, self.heading, LEFT, RIGHT - LEFT,
                                 margin=(1.1 * self.heading.size, 0.35 * self.heading.size))
            elif isinstance(block, Paragraph):
                self.paragraph(block)
            elif isinstance(block, Fields):
                self.fields(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Clauses):
                self.clauses(block)
            elif isinstance(block, Signatures):
                self.signatures(block)
            self.heading_before = heading

    # Tables ------------------------------------------------------------------------------------------------
    def table_rows(self, grid: list[float], rows: Sequence[Sequence[tuple[list[_Line], Style, str, bool]]],
                   *, head: int = 0) -> None:
        """Rows of cells (lines, style, alignment, grey) on the grid of rule centres; the first `head`
        rows are the table's header, repeated on a new page."""
        items = []
        for cells in rows:
            pitch = BORDER + 2 * CELL_PAD_Y + max(sum(self.line_box(line, style)[0] for line in lines) or
                                                  style.leading for lines, style, _a, _g in cells)

            def draw(top: float, cells=cells, pitch: float = pitch) -> None:
                for k, (lines, style, align, grey) in enumerate(cells):
                    if grey:
                        self.fill(HEADING_FILL, grid[k], top, grid[k + 1] - grid[k], pitch)
                    left = grid[k] + BORDER / 2 + CELL_PAD_X
                    room = grid[k + 1] - BORDER / 2 - CELL_PAD_X - left
                    y = top + BORDER / 2 + CELL_PAD_Y
                    for line in lines:
                        x = left + (room - line.width if align == "right" else 0.0)
                        self.draw_line(line, x, y, style)
                        y += self.line_box(line, style)[0]
                self.rules(grid, top, top + pitch)

            items.append(_Item(pitch, 0.0, draw))
        # The table's top half border comes before its first row; its bottom half after the last.
        first = items[0]
        draw_first = first.draw
        first.height += BORDER / 2

        def below_top_rule(top: float, draw: Callable[[float], None] = draw_first) -> None:
            draw(top + BORDER / 2)

        first.draw = below_top_rule
        repeat = None
        if head:
            header = items[0]
            repeat = _Item(header.height, 0.0, header.draw)
            for item in items[1:head + 1]:
                item.keep = True  # the header row stays with the first row under it
        items[-1].after = BORDER / 2
        first.keep = self.after_heading()
        margin_top = 0.3 * self.cell.size  # table.doc { margin: .3em 0 .6em }
        for number, item in enumerate(items):
            if number >= head:
                item.repeat = repeat
            if number > 0 and repeat is None:
                item.lead = BORDER / 2
            self.add(item, margin_top if number == 0 else 0.0)
        self.margin = 0.6 * self.cell.size

    def rules(self, grid: list[float], top: float, bottom: float) -> None:
        left, right = grid[0] - BORDER / 2, grid[-1] + BORDER / 2
        path = [b"%s G %s w" % (_n(GRID_GREY), _n(BORDER))]
        for y in (top, bottom):
            path.append(b"%s %s m %s %s l" % (_n(left), _n(PAGE_HEIGHT - y), _n(right), _n(PAGE_HEIGHT - y)))
        for x in grid:
            path.append(b"%s %s m %s %s l" % (_n(x), _n(PAGE_HEIGHT - top), _n(x), _n(PAGE_HEIGHT - bottom)))
        path.append(b"S")
        self.late.append(b" ".join(path))

    def grid(self, fractions: Sequence[float]) -> list[float]:
        # The rules' centres; the outer border lies half outside the content box, as WeasyPrint draws it.
        grid = [LEFT + BORDER / 2]
        for width in fractions:
            grid.append(grid[-1] + width)
        return grid

    def cell_lines(self, text: str, style: Style, width: float, *, nowrap: bool = False,
                   preserve: bool = False) -> list[_Line]:
        return self.inline_lines([(text, style)], 1e9 if nowrap else width, preserve=preserve)

    def fields(self, block: Fields) -> None:
        inner = RIGHT - LEFT - BORDER
        grid = self.grid([LABEL_SHARE * inner, (1 - LABEL_SHARE) * inner])
        rows = []
        for row in block.rows:
            label = self.cell_lines(row.label, self.head_cell, grid[1] - grid[0] - BORDER - 2 * CELL_PAD_X)
            value = self.cell_lines(row.value, self.cell, grid[2] - grid[1] - BORDER - 2 * CELL_PAD_X,
                                    preserve=row.preserve)
            rows.append([(label, self.head_cell, "left", True), (value, self.cell, "left", False)])
        self.table_rows(grid, rows)

    def column_widths(self, block: Table) -> tuple[list[float], list[float]]:
        """The automatic table layout (CSS 2.1, as WeasyPrint 70's auto_table_layout does it for a table
        of width 100% with no widths set): each column's min- and max-content widths, the table's width
        shared out from them. Returns (widths, min-content widths)."""
        count = len(block.head)
        low, high = [0.0] * count, [0.0] * count
        extra = 2 * CELL_PAD_X + BORDER  # padding and the halves of the collapsed borders
        for row in (block.head, *block.rows):
            for k, cell in enumerate(row):
                style = self.head_cell if cell.head else self.cell
                text = collapse(cell.text)
                full = self.width(text, style)
                narrow = full if cell.num or cell.nowrap else max([self.width(p, style) for p in unbreakable(text)] or [0])
                high[k] = max(high[k], full + extra)
                low[k] = max(low[k], narrow + extra)
        available = RIGHT - LEFT - BORDER
        if sum(high) <= available:
            # The excess goes to the columns in proportion to their max-content widths.
            return [w + (available - sum(high)) * w / sum(high) for w in high], low
        if sum(low) >= available:
            return low, low
        ratio = (available - sum(low)) / (sum(high) - sum(low))
        return [lo + (hi - lo) * ratio for lo, hi in zip(low, high, strict=True)], low

    def table(self, block: Table) -> None:
        widths, _low = self.column_widths(block)
        grid = self.grid(widths)
        rows = []
        for row in (block.head, *block.rows):
            cells = []
            for k, cell in enumerate(row):
                style = self.head_cell if cell.head else self.cell
                lines = self.cell_lines(cell.text, style, grid[k + 1] - grid[k] - BORDER - 2 * CELL_PAD_X,
                                        nowrap=cell.num or cell.nowrap)
                cells.append((lines, style, "right" if cell.num else "left", cell.head))
            rows.append(cells)
        self.table_rows(grid, rows, head=1 if block.head else 0)

    # Lists and signatures ----------------------------------------------------------------------------------
    def clauses(self, block: Clauses) -> None:
        indent = CLAUSE_INDENT * self.body.size
        x, width = LEFT + indent, RIGHT - LEFT - indent
        self.add(_Item(0.0, 0.0, lambda top: None, keep=self.after_heading()), 0.2 * self.body.size)  # ol's margin
        for number, item in enumerate(block.items, 1):
            lines = self.simple_lines(item, width, self.body)
            # The marker "1. " hangs in the list's padding, ending where the item's text starts.
            self.block_lines(lines, self.body, x, width, margin=(0.0, 0.25 * self.body.size), marker=f"{number}. ",
                             keep_first=number == 1 and self.after_heading())
        self.margin = max(self.margin, 0.2 * self.body.size)

    def signatures(self, block: Signatures) -> None:
        style = self.signature
        column = (RIGHT - LEFT) / 2
        pad_right, pad_bottom = 1.2 * style.size, 2 * style.size  # padding: 0 1.2em 2em 0
        rule_height, rule_gap = SIGNATURE_LINE_HEIGHT * style.size, 0.4 * style.size  # .signature-line
        width = column - pad_right
        rows = []
        for row in block.rows:
            cells = []
            for s in row:
                parts = [self.cell_lines(s.role + "：", style, width, nowrap=True),
                         self.cell_lines(s.name, style, width),
                         self.cell_lines(s.signer + "：", style, width, nowrap=True)]
                date = self.cell_lines("日期：　　　　年　　月　　日", style, width, nowrap=True)
                cells.append((parts, date))
            height = max(sum(len(p) for p in parts) * style.leading + rule_height + BORDER + rule_gap +
                         len(date) * style.leading + pad_bottom for parts, date in cells)
            rows.append((cells, height))
        total = sum(height for _cells, height in rows)

        def draw(top: float) -> None:
            for cells, height in rows:
                for k, (parts, date) in enumerate(cells):
                    x, y = LEFT + k * column, top
                    for lines in parts:
                        for line in lines:
                            self.draw_line(line, x, y, style)
                            y += style.leading
                    y += rule_height
                    self.rule(BLACK, x, x + width, y)
                    y += BORDER + rule_gap
                    for line in date:
                        self.draw_line(line, x, y, style)
                        y += style.leading
                top += height

        # table.signatures { margin-top: 2em; page-break-inside: avoid }
        self.add(_Item(total, 0.0, draw, keep=self.after_heading()), 2 * self.body.size)
        self.margin = 0.0

    # Pages -----------------------------------------------------------------------------------------------
    def paginate(self) -> list[list[tuple[_Item, float]]]:
        """Items onto pages: one that does not fit goes to the next page with those it is kept with."""
        pages: list[list[tuple[int, _Item, float]]] = [[]]  # (index in items, or -1 for a repeat; item; top)
        y, i, items = MARGIN_TOP, 0, self.items
        while i < len(items):
            item, page = items[i], pages[-1]
            placed = [index for index, _item, _top in page if index >= 0]
            top = y + (item.gap if placed or len(pages) == 1 else 0.0)
            if not page and len(pages) > 1:
                top += item.lead
                if item.repeat is not None:
                    page.append((-1, item.repeat, top))
                    top += item.repeat.height
            if placed and top + item.height > BOTTOM + 1e-6:
                cut = i
                while cut > placed[0] and items[cut].keep:
                    cut -= 1
                if cut == placed[0]:
                    cut = i  # kept together beyond a page: break here anyway
                page[:] = [entry for entry in page if entry[0] < cut]
                pages.append([])
                y, i = MARGIN_TOP, cut
                continue
            page.append((i, item, top))
            y = top + item.height + item.after
            i += 1
        return [[(item, top) for _index, item, top in page] for page in pages]

    def new_page(self) -> None:
        """The running header: a bottom-aligned box in the top margin (padding 4pt) with a rule under its
        text (padding 2pt); the project number floats right."""
        rule_top = MARGIN_TOP - 4 - BORDER
        self.rule(RULE_GREY, MARGIN_LEFT, PAGE_WIDTH - MARGIN_RIGHT, rule_top)
        top = rule_top - 2 - self.header.leading
        self.text(self.document.header_left, MARGIN_LEFT, top, self.header)
        right = self.document.header_right
        self.text(right, PAGE_WIDTH - MARGIN_RIGHT - self.width(right, self.header), top, self.header)

    def fits(self) -> bool:
        """Whether every item fits on a page of its own (a row taller than a page would be split)."""
        room = BOTTOM - MARGIN_TOP
        return all(item.lead + (item.repeat.height if item.repeat else 0.0) + item.height <= room + 1e-6
                   for item in self.items)

    def write(self, output: BinaryIO) -> None:
        for page in self.paginate():
            self.new_page()
            for item, top in page:
                item.draw(top)
            self.ops.extend(self.late)
            self.late = []
            self.end_page()
        self.finish(output, title=self.document.title, producer="益创 documents.flow")
