"""PDFs anyone may download (the 公示 list): rendered once per content version, then served from disk.

Rendering takes one to two seconds of CPU; rendering per request let a handful of anonymous clients
slow the whole site. The version is the SHA-256 of the document's HTML, so a changed list gets a new
file and an unchanged one is never rendered again. Concurrent first requests wait on a file lock
(shared by every worker process on the host) and the second finds the file the first wrote.
"""
import fcntl
import hashlib
import os
import re
from pathlib import Path

from django.conf import settings

from documents.pdf import html_to_pdf
from documents.runs import RESULT_MODE

_SAFE_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


def published_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "published"


def cached_pdf(name: str, html: str) -> Path:
    """The PDF of `html` for the document `name` (e.g. "publicity-12"), rendered only if no file
    of this version exists yet; older versions of the same document are removed."""
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe document name {name!r}")
    folder = published_dir()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(html.encode()).hexdigest()[:32]
    path = folder / f"{name}-{digest}.pdf"
    if path.exists():
        return path
    with open(folder / f".{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if path.exists():  # another request rendered it while we waited
                return path
            data = html_to_pdf(html)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, RESULT_MODE), "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
            for old in folder.glob(f"{name}-*.pdf"):
                if old != path:
                    old.unlink(missing_ok=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path
