"""Real PDFs for the review-file tests, rendered by WeasyPrint (CJK text, with document metadata)."""
from weasyprint import HTML


def pdf_with(*, title: str = "", author: str = "", body: str = "项目方案") -> bytes:
    meta = f'<meta name="author" content="{author}">' if author else ""
    return HTML(string=f"<html><head><title>{title}</title>{meta}</head><body><p>{body}</p></body></html>").write_pdf()
