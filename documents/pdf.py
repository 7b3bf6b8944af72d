"""The one PDF service: a Django template from templates/ rendered by WeasyPrint.

Every document extends templates/documents/base_print.html (A4, Noto CJK, page numbers, running
header, signature blocks) and is printed with the print stylesheet, static/css/documents-print.css,
which this service applies (print_stylesheet). Rendering refuses to run without a CJK font and loads
nothing but the project's own static files (documents.fetcher). It is slow work: call it from a
Celery task or a view, never inside a transaction.
"""

import threading
from urllib.parse import urljoin

from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from core import cyclic_gc
from documents.fetcher import BASE_URL, StaticOnlyFetcher, _project_static_file, static_prefix
from documents.fonts import require_cjk_font
from documents.print_fonts import register

PRINT_STYLESHEET = "css/documents-print.css"

_local = threading.local()
_stylesheet_lock = threading.Lock()
_stylesheet: tuple[tuple, CSS] | None = None  # ((path, mtime, size), parsed)


def _font_config() -> FontConfiguration:
    """One font configuration per thread, kept across renders: WeasyPrint otherwise builds a new one
    (fontconfig set-up, Pango font map, the fonts' metrics) for every document, about a tenth of an
    agreement's time (bench/pdf_agreements.py). Per thread because Pango's font map is not shared
    safely between threads. The documents use installed fonts only (no @font-face), so nothing of
    one document is carried into the next. The built GB2312 print fonts are added to it (documents.print_fonts)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
        register(config)
    return config


def _cyclic_gc_after_render():
    """Holds Python's cyclic garbage collector during a render and runs it once on the render's young
    objects afterwards (core.cyclic_gc, shared with the other steps of the process that pause it).

    A render allocates some hundred thousand objects (styles, boxes, Pango wrappers); without the
    pause, every few renders a full collection walks the whole heap of the process (Django,
    WeasyPrint, fontTools: 0.13 s on the agreement benchmark's process), about a tenth of an
    agreement's CPU time (bench/pdf_agreements.py); a one-page document allocates too little to
    trigger them. After the render, the 12,700 objects of the cycles WeasyPrint leaves behind are freed
    by one collection of the youngest generation (about 10 ms) instead of being promoted."""
    return cyclic_gc.paused(collect_young_after=True)


def print_stylesheet() -> CSS:
    """The print stylesheet, parsed once per process (again when the file changes) instead of once per
    document from a <link>: parsing it and compiling its selectors was about a twentieth of an
    agreement's time (bench/pdf_agreements.py).

    WeasyPrint applies it as a user stylesheet: above its own defaults, below the document's. A
    document's own <style> (base_print.html's head block) therefore wins over it whatever the
    selectors' specificity, as its rules came after the stylesheet's <link> before. Nothing of a
    document is kept in it: no @font-face or @counter-style (fonts and counters belong to the
    configuration of each render)."""
    global _stylesheet
    url = urljoin(static_prefix(), PRINT_STYLESHEET)
    path = _project_static_file(url)  # found as the fetcher would serve it
    if path is None:
        raise FileNotFoundError(PRINT_STYLESHEET)
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_size)
    cached = _stylesheet
    if cached is None or cached[0] != key:
        with _stylesheet_lock:
            cached = _stylesheet
            if cached is None or cached[0] != key:
                parsed = CSS(string=path.read_text(encoding="utf-8"), base_url=url, url_fetcher=StaticOnlyFetcher())
                cached = _stylesheet = (key, parsed)
    return cached[1]


def html_to_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render already-built HTML with the print stylesheet; `fetcher` lets a caller see what was
    served and refused."""
    require_cjk_font()
    with _cyclic_gc_after_render():
        return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or StaticOnlyFetcher()).write_pdf(
            stylesheets=[print_stylesheet()], font_config=_font_config()
        )


def render_pdf(template_name: str, context: dict, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    return html_to_pdf(render_to_string(template_name, context), fetcher=fetcher)
