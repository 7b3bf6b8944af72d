"""Long tables as PDF in bounded memory: the rows are rendered in chunks, each its own WeasyPrint
document, and the chunks joined with pypdf; the page footer (第 N 页 / 共 M 页) is stamped on the
joined pages afterwards, since no chunk knows the total.

Why: WeasyPrint keeps the layout of every page of a document in memory until it is written, and its
table layout slows down as a table grows; one 8,300-row 公示 list took 250 s and 1.4 GiB in one
document. Chunks of a few hundred rows keep the peak at one chunk's layout and the time linear in the
rows (bench/pdf_publicity.py has the figures).

The template renders one chunk: it gets `rows` (this chunk's rows), `first` (print the title and
everything before the table) and `last` (print everything after it), plus the caller's context, and
`chunked` = True so it can drop the footer of the page style (documents/base_print.html does).
"""
import io
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from documents.fetcher import BASE_URL, StaticOnlyFetcher
from documents.fonts import require_cjk_font

CHUNK_ROWS = 600
FOOTER_TEMPLATE = "documents/page_footer.html"


def _render(html: str, target) -> int:
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).render()
    pages = len(document.pages)
    document.write_pdf(target)
    return pages


def footer_pages(count: int) -> bytes:
    """`count` blank A4 pages carrying only the page footer of documents-print.css."""
    require_cjk_font()
    buffer = io.BytesIO()
    _render(render_to_string(FOOTER_TEMPLATE, {"pages": range(count)}), buffer)
    return buffer.getvalue()


def render_chunked(template_name: str, context: dict, rows: Sequence, *, chunk_rows: int = CHUNK_ROWS,
                   progress: Callable[[int, int], None] | None = None) -> bytes:
    """One PDF of `rows` through `template_name`; `progress(done, total)` after each chunk, in rows."""
    require_cjk_font()
    chunks = [rows[i:i + chunk_rows] for i in range(0, len(rows), chunk_rows)] or [rows[:0]]
    with tempfile.TemporaryDirectory(prefix="yc-long-pdf-") as work:
        files: list[Path] = []
        for n, chunk in enumerate(chunks):
            path = Path(work) / f"{n:05d}.pdf"
            html = render_to_string(template_name, {**context, "rows": chunk, "first": n == 0,
                                                    "last": n == len(chunks) - 1, "chunked": True})
            with open(path, "wb") as fh:
                _render(html, fh)
            files.append(path)
            if progress is not None:
                progress(min((n + 1) * chunk_rows, len(rows)), len(rows))
        return _join(files)


def _join(files: list[Path]) -> bytes:
    writer = PdfWriter()
    for path in files:
        writer.append(str(path))
    footers = PdfReader(io.BytesIO(footer_pages(len(writer.pages))))
    for page, footer in zip(writer.pages, footers.pages, strict=True):
        page.merge_page(footer, over=True)
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
