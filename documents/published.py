"""PDFs anyone may download (the 公示 list): rendered once per content version, then served as files.

Rendering takes one to two seconds of CPU; rendering per request let a handful of anonymous clients
slow the whole site. The version is the SHA-256 of the document's HTML, so a changed list gets a new
file and an unchanged one is never rendered again. The files live in the "results" storage (disk or
object store, core/storage.py). Concurrent first requests on one host wait on a file lock and the
second finds the file the first wrote; two hosts may each render a new version once, harmlessly,
since both write the same content under the same name.
"""
import fcntl
import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from core.storage import results
from documents.pdf import html_to_pdf

_SAFE_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")
FOLDER = "published/"


def _lock_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "published"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cached_pdf(name: str, html: str) -> str:
    """The storage name of the PDF of `html` for the document `name` (e.g. "publicity-12"), rendered
    only if no file of this version exists yet; older versions of the same document are removed."""
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe document name {name!r}")
    store = results()
    digest = hashlib.sha256(html.encode()).hexdigest()[:32]
    stored = f"{FOLDER}{name}-{digest}.pdf"
    if store.exists(stored):
        return stored
    with open(_lock_dir() / f".{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if store.exists(stored):  # another request rendered it while we waited
                return stored
            saved = store.save(stored, ContentFile(html_to_pdf(html)))
            if saved != stored:  # another host wrote the same version meanwhile: keep theirs
                store.delete(saved)
            _remove_older(store, name, keep=stored)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return stored


def _remove_older(store: Storage, name: str, *, keep: str) -> None:
    try:
        _dirs, files = store.listdir(FOLDER)
    except FileNotFoundError:
        return
    for file_name in files:
        if file_name.startswith(f"{name}-") and file_name.endswith(".pdf") and f"{FOLDER}{file_name}" != keep:
            store.delete(f"{FOLDER}{file_name}")


def open_published(stored: str):
    return results().open(stored, "rb")
