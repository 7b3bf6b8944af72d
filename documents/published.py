"""Documents anyone may download (the 公示 list, the open data): produced by a background job when their content
changes, stored, and served as files. No request ever renders one.

The owning app announces a change with `outdate` in the transaction that makes the change (or with
`request_version`) and starts a job after commit; the job reads `requested_version(key)` before it reads the content, builds
the content and hands it to `store`, which renders only when no file of that content exists yet (the
name carries the SHA-256 of the content: the same content twice is one file, rendered once, whichever
job or host gets there first). The record then points at the file if no newer build got there before
it. The public view streams `ready(key)` and says "being generated" while there is none, or while a
change is announced and not yet built (an upheld objection must not stay on a published list).

Files live in the "results" storage (disk or object store, core/storage.py).
"""
import hashlib
import re
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from documents.models import PublishedFile, job_storage

_SAFE_KEY = re.compile(r"^[a-z0-9_-]{1,80}\.(pdf|xlsx|csv|json)$")
FOLDER = "published/"


def _check(key: str) -> str:
    if not _SAFE_KEY.match(key):
        raise ValueError(f"unsafe document name {key!r}")
    return key


def digest_of(content: bytes | str) -> str:
    return hashlib.sha256(content.encode() if isinstance(content, str) else content).hexdigest()[:32]


def request_version(key: str) -> int:
    """Announces that the content of `key` has changed; returns the version a new file must include."""
    with transaction.atomic():
        record, _created = PublishedFile.objects.select_for_update().get_or_create(key=_check(key))
        record.requested += 1
        record.save(update_fields=["requested"])
        return record.requested


def outdate(keys: list[str]) -> None:
    """In the transaction of a change: the stored files of `keys` no longer show the content, so they
    are not served until rebuilt. One UPDATE; a document never built has nothing to outdate."""
    PublishedFile.objects.filter(key__in=[_check(k) for k in keys]).update(requested=F("requested") + 1)


def requested_version(key: str) -> int:
    """Read by a job before it reads the content: the file it builds includes every change up to this."""
    return PublishedFile.objects.filter(key=_check(key)).values_list("requested", flat=True).first() or 0


def stored_name(key: str, digest: str) -> str:
    stem, _, ext = _check(key).rpartition(".")
    return f"{FOLDER}{stem}-{digest}.{ext}"


def store(key: str, *, version: int, digest: str, produce: Callable[[], bytes], download_name: str) -> str:
    """The stored name of the file of this content, rendered by `produce` only if it does not exist yet.
    Safe to run twice, or in two jobs at once: one file per content, and an older version never
    replaces a newer one."""
    storage = job_storage()
    name = stored_name(key, digest)
    if not storage.exists(name):
        saved = storage.save(name, ContentFile(produce()))
        if saved != name:  # another job wrote the same content meanwhile: keep theirs
            storage.delete(saved)
    with transaction.atomic():
        record, _created = PublishedFile.objects.select_for_update().get_or_create(key=key)
        if version < record.built:
            return name  # a newer build got there first; this file stays only as long as nobody removes it
        previous = record.file.name if record.file else ""
        record.built = version
        record.file.name = name
        record.digest = digest
        record.download_name = download_name
        record.built_at = timezone.now()
        record.save()
        if previous and previous != name:
            transaction.on_commit(lambda: _remove(previous))
    return name


def _remove(name: str) -> None:
    if not PublishedFile.objects.filter(file=name).exists():
        job_storage().delete(name)


def ready(key: str) -> PublishedFile | None:
    """The record whose file the public may have now, or None while there is none or a newer is being built."""
    record = PublishedFile.objects.filter(key=_check(key)).first()
    return record if record is not None and record.ready else None


def open_published(record: PublishedFile):
    return record.file.open("rb")
