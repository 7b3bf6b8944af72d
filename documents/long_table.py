"""Long tables written straight to PDF: a title, a few paragraphs, a table of thousands of rows of plain
text, closing paragraphs and the page footer 第 N 页 / 共 M 页, drawn with documents.pdf_text.

Why: laying out a long table with WeasyPrint costs about 15 ms of CPU a row however it is chunked (a
10,000-row 公示 list was 160 s of CPU, documents.long_pdf); the table needs none of what WeasyPrint does:
Chinese needs no shaping, the column widths are fixed, a row is as tall as its longest wrapped cell. Here
a character is a glyph id from the font's cmap and an advance from its hmtx, a cell wraps by those
widths, and the page is a handful of PDF operators (bench/pdf_publicity.py has the figures).

The look is that of documents-print.css and templates/documents/base_print.html as WeasyPrint prints a
`table.doc.long` (A4, its margins, the running header, serif body, sans bold headings, 9pt cells with a
grid, the header row repeated on every page): the constants are those of the stylesheet, and text
lands within 0.01 pt of where WeasyPrint puts it, with the same line and page breaks (1,000 rows: the same
44 pages and text as bench/pdf_publicity.py's `single` mode). A row is never split: one taller than a page
(a title of far more than the 200 characters a project title may have) would run into the bottom margin.

Fonts, glyphs, kerning, ligatures, line breaking and the page canvas are documents.pdf_text's, shared with
the agreement's writer (documents.flow); text it cannot print as WeasyPrint would is refused by `supports`:
the caller prints those documents with WeasyPrint.

Pages are written as they are laid out, compressed, and only their footers wait for the page count:
memory grows by a few kilobytes a page.
"""
import io
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from documents.pdf_text import (  # noqa: F401 (_another_font_has, _families, can_break, wrap: tests use them here)
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
    Align,
    Canvas,
    Style,
    _another_font_has,
    _families,
    _n,
    can_break,
    unsupported,
    wrap,
)

# Bump when the pages change for the same text: stored documents carry it in their digest.
VERSION = "2"  # 2: a line may break after a hyphen or a slash before a letter

CELL_PAD_X, CELL_PAD_Y, CELL_LINE_HEIGHT = 3.0, 1.5, 1.4  # table.doc.long


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


def supports(table: LongTable) -> bool:
    """Whether this writer prints `table` as WeasyPrint would (documents.pdf_text.unsupported)."""
    texts: Iterable[str] = [table.title, table.running_header, *table.intro, *table.closing,
                            *(c.heading for c in table.columns), *(cell for row in table.rows for cell in row)]
    return not unsupported(texts)


class _Writer(Canvas):
    def __init__(self, table: LongTable):
        super().__init__()
        self.table = table
        self.body = Style(0, 11, LINE_HEIGHT)
        self.title = Style(1, 22, LINE_HEIGHT)  # h1: 2em of the body
        self.header = Style(0, 8.5, LINE_HEIGHT, TEXT_GREY)
        self.cell = Style(0, 9, CELL_LINE_HEIGHT)
        self.heading_cell = Style(1, 9, CELL_LINE_HEIGHT)
        self.y = 0.0
        # Column grid: the lines' centres, the outer border half outside the content box as WeasyPrint draws.
        inner = RIGHT - LEFT - BORDER
        self.grid = [LEFT + BORDER / 2]
        for column in table.columns:
            self.grid.append(self.grid[-1] + column.width * inner)

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

    def finish(self, output: BinaryIO) -> None:  # type: ignore[override]
        super().finish(output, title=self.table.title, producer="益创 documents.long_table")


def write(table: LongTable, output: BinaryIO, *, progress: Callable[[int, int], None] | None = None) -> None:
    """Writes `table` as a PDF to `output`; `progress(done, total)` in rows, every half second or so."""
    _Writer(table).write(output, progress)


def render(table: LongTable, *, progress: Callable[[int, int], None] | None = None) -> bytes:
    buffer = io.BytesIO()
    write(table, buffer, progress=progress)
    return buffer.getvalue()
