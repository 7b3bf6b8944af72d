"""What WeasyPrint may load while rendering: the project's own static files, and nothing else.

Documents contain text typed by applicants. Autoescaping keeps it from becoming markup, and this
fetcher is the second wall: if markup ever slips through (a `|safe` in a template, a rich-text
field), an `<img src="file:///etc/passwd">` or `http://127.0.0.1:6379/` still loads nothing.
Every URL outside STATIC_URL is refused before any network or file-system access.

`data:` URLs are refused too: no template of ours needs them, and embedding is better done by
shipping the file under static/.
"""
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Relative URLs in documents resolve against this origin; the `.invalid` TLD can never resolve,
# so even a bug here could not reach a real host.
BASE_URL = "https://print.yichuang.invalid/"


class RefusedURL(ValueError):
    """WeasyPrint catches this, logs it and renders the document without the resource."""


def static_prefix() -> str:
    return urljoin(BASE_URL, settings.STATIC_URL)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _project_static_file(url: str) -> Path | None:
    prefix = static_prefix()
    if not url.startswith(prefix):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    relative = unquote(url[len(prefix):])
    if not relative or relative.startswith("/") or "\\" in relative or "\x00" in relative:
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    if not found:
        return None
    real = Path(found).resolve()
    # Only the project's own static folders (STATICFILES_DIRS: the checkout's static/, or the copy an
    # installed wheel carries inside its package); other packages' static files (admin, …) are not
    # ours to print, and symlinks out of those folders are refused.
    roots = [Path(d[1] if isinstance(d, (tuple, list)) else d).resolve() for d in settings.STATICFILES_DIRS]
    if not any(_inside(real, root) for root in roots) or not real.is_file():
        return None
    return real


class StaticOnlyFetcher(URLFetcher):
    """Serves /static/… from the project's files; refuses every other URL without opening it."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        path = _project_static_file(url)
        if path is None:
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch %s", url[:200])
            raise RefusedURL(f"不允许在文档中加载外部资源：{url[:200]}")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})
