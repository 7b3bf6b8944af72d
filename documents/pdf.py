"""The one PDF service: a Django template from templates/ rendered by WeasyPrint.

Every document extends templates/documents/base_print.html (A4, Noto CJK, page numbers, running
header, signature blocks). Rendering refuses to run without a CJK font and loads nothing but the
project's own static files (documents.fetcher). It is slow work: call it from a Celery task or a
view, never inside a transaction.
"""

import threading

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from core import cyclic_gc
from documents.fetcher import BASE_URL, StaticOnlyFetcher
from documents.fonts import require_cjk_font
from documents.print_fonts import register

_local = threading.local()


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


def html_to_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render already-built HTML; `fetcher` lets a caller see what was served and refused."""
    require_cjk_font()
    with _cyclic_gc_after_render():
        return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or StaticOnlyFetcher()).write_pdf(
            font_config=_font_config()
        )


def render_pdf(template_name: str, context: dict, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    return html_to_pdf(render_to_string(template_name, context), fetcher=fetcher)
