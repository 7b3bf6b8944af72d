"""The one PDF service (interface fixed; the documents issue hardens it: fetcher, fonts, styles)."""
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html).write_pdf()
