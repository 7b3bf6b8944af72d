"""Long tables as PDF in bounded memory: the rows are rendered in chunks, each its own WeasyPrint
document, and the chunks joined with pypdf; the page footer (第 N 页 / 共 M 页) is stamped on the
joined pages afterwards, since no chunk knows the total.

Why: WeasyPrint keeps the layout of every page of a document in memory until it is written, and its
table layout slows down as a table grows; one 8,300-row 公示 list took 250 s and 1.4 GiB in one
document. Chunks of a few hundred rows keep the peak at one chunk's layout and the time linear in the
rows (bench/pdf_publicity.py has the figures). Chunks are independent, so on a machine with two
cores two processes render them side by side (YICHUANG_PDF_PROCESSES).

The template renders one chunk: it gets `rows` (this chunk's rows), `first` (print the title and
everything before the table) and `last` (print everything after it), plus the caller's context, and
`chunked` = True so it can drop the footer of the page style (documents/base_print.html does).
"""
import io
import os
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, IndirectObject, NameObject
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from documents import print_fonts
from documents.fetcher import BASE_URL, StaticOnlyFetcher
from documents.fonts import require_cjk_font
from documents.pdf import print_stylesheet

CHUNK_ROWS = 300
FOOTER_PAGES_TO_SHARE = 40
FOOTER_TEMPLATE = "documents/page_footer.html"


def processes() -> int:
    """How many processes render chunks side by side (YICHUANG_PDF_PROCESSES; by default the CPU count,
    at most 2): WeasyPrint uses one core, and a 10,000-row list is about a minute of CPU."""
    configured = getattr(settings, "YICHUANG_PDF_PROCESSES", None)
    return max(1, int(configured) if configured else min(2, os.cpu_count() or 1))


def _render(html: str, target) -> int:
    # A font configuration of its own (chunks run in forked children, and Pango's font map is not
    # shared across a fork), with the GB2312 print fonts: smaller subsets in every chunk.
    config = FontConfiguration()
    print_fonts.register(config)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).render(
        stylesheets=[print_stylesheet()], font_config=config)
    pages = len(document.pages)
    document.write_pdf(target)
    return pages


def footer_pages(count: int, *, first: int = 1, total: int | None = None) -> bytes:
    """`count` blank A4 pages carrying only the page footer of documents-print.css, numbered from `first`
    of `total` (by default, of `count`): a long document's footers are rendered in parts, side by side."""
    require_cjk_font()
    buffer = io.BytesIO()
    _render(render_to_string(FOOTER_TEMPLATE, {"pages": range(count), "first": first, "total": total}), buffer)
    return buffer.getvalue()


def _footers(count: int, work: Path, workers: int, report: Callable[[], None]) -> list:
    """The footer pages of a document of `count` pages: in `workers` parts rendered by forked children
    when there are enough pages to share. WeasyPrint takes about 10 ms of CPU a page (some 480 pages for a
    10,000-row 公示 list), which was spent in one process after all the chunks were done."""
    if workers <= 1 or count < FOOTER_PAGES_TO_SHARE:
        return list(PdfReader(io.BytesIO(footer_pages(count))).pages)
    size = -(-count // workers)
    parts = [(start, min(start + size, count)) for start in range(0, count, size)]
    paths = [work / f"footer-{k}.pdf" for k in range(len(parts))]

    def render_part(k: int) -> None:
        start, end = parts[k]
        paths[k].write_bytes(footer_pages(end - start, first=start + 1, total=count))

    _in_children(len(parts), len(parts), render_part, report)
    return [page for path in paths for page in PdfReader(path).pages]


def render_chunked(template_name: str, context: dict, rows: Sequence, *, chunk_rows: int = CHUNK_ROWS,
                   progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> bytes:
    """One PDF of `rows` through `template_name`; `progress(done, total)` as chunks finish, in rows.

    With several `workers` the chunks are rendered by forked children (each takes every n-th chunk and
    writes it to a file; they touch no database and leave with os._exit), while this process reports
    progress; it joins the files in order once all are written."""
    require_cjk_font()
    chunks = [rows[i:i + chunk_rows] for i in range(0, len(rows), chunk_rows)] or [rows[:0]]
    workers = min(workers or processes(), len(chunks))
    with tempfile.TemporaryDirectory(prefix="yc-long-pdf-") as work:
        files = [Path(work) / f"{n:05d}.pdf" for n in range(len(chunks))]

        def render_chunk(n: int) -> None:
            html = render_to_string(template_name, {**context, "rows": chunks[n], "first": n == 0,
                                                    "last": n == len(chunks) - 1, "chunked": True})
            partial = files[n].with_suffix(".part")
            with open(partial, "wb") as fh:
                _render(html, fh)
            partial.replace(files[n])  # only whole chunks count as done

        def report() -> None:
            if progress is not None:
                done = sum(len(chunks[n]) for n, path in enumerate(files) if path.exists())
                progress(done, len(rows))

        if workers <= 1:
            for n in range(len(chunks)):
                render_chunk(n)
                report()
        else:
            _in_children(workers, len(chunks), render_chunk, report)
        return _join(files, workers=workers, report=report)


def _in_children(workers: int, count: int, render_chunk: Callable[[int], None], report: Callable[[], None]) -> None:
    children = []
    try:
        for k in range(workers):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                code = 0
                try:
                    for n in range(k, count, workers):
                        render_chunk(n)
                except BaseException:
                    traceback.print_exc()
                    code = 1
                os._exit(code)
            children.append(pid)
        failed = False
        while children:
            for pid in list(children):
                reaped, status = os.waitpid(pid, os.WNOHANG)
                if reaped:
                    children.remove(pid)
                    failed = failed or status != 0
            report()  # renews the job's lease; raises if another worker took the job over
            if children:
                time.sleep(0.5)
        if failed:
            raise RuntimeError("a process rendering part of the document failed")
    finally:
        for pid in children:  # left only when this process stops early: stop the rest of the work
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _join(files: list[Path], *, workers: int = 1, report: Callable[[], None] = lambda: None) -> bytes:
    writer = PdfWriter()
    for path in files:
        writer.append(str(path))
    footers = _footers(len(writer.pages), files[0].parent, workers, report)
    # Each page draws its footer as a form XObject after its own content, which is left as it is: pypdf's
    # merge_page parsed every page's content stream and wrote it back uncompressed (a 1,200-row 公示 list
    # came out at 2.8 MB instead of 0.48 MB, the same pixels).
    before = writer._add_object(_stream(b"q\n"))  # pypdf is pinned (pyproject.toml); no public add_object
    after = writer._add_object(_stream(b"\nQ\nq /%s Do Q\n" % FOOTER_NAME[1:].encode()))
    for page, footer in zip(writer.pages, footers, strict=True):
        _stamp(writer, page, footer, before, after)
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


FOOTER_NAME = "/YcFooter"


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _stamp(writer: PdfWriter, page, footer, before: IndirectObject, after: IndirectObject) -> None:
    """Draws `footer` (a page of the same size) over `page`: the page's content is wrapped in q … Q, so
    whatever state it leaves does not reach the footer, which is then drawn as a form of its own."""
    contents = footer["/Contents"].get_object()
    parts = contents if isinstance(contents, ArrayObject) else [contents]
    form = _stream(b"\n".join(part.get_object().get_data() for part in parts))
    form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): footer.mediabox,
                 NameObject("/Resources"): footer["/Resources"].clone(writer)})
    resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    xobjects[NameObject(FOOTER_NAME)] = writer._add_object(form.flate_encode())
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    own = page["/Contents"].get_object() if "/Contents" in page else ArrayObject()
    own = list(own) if isinstance(own, ArrayObject) else [page.raw_get("/Contents")]
    page[NameObject("/Contents")] = ArrayObject([before, *own, after])
