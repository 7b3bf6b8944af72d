"""Files a project keeps (application documents, receipts, signed agreements): checked by their bytes
before anything is written, and deleted again when the transaction that wrote them fails.

The services that store files do so inside `kept_only_if_committed()` around their transaction. A
caller's own outer transaction that rolls back later cannot be seen from here: such a file stays
on disk without a row, which is harmless (random name, never served) and never the other way round.
"""
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile

from core.uploads import ALLOWED, safe_name, sniff
from projects.errors import ProjectError
from projects.models import Attachment, Project

ANY_DOCUMENT = frozenset(ALLOWED)
RECEIPT_TYPES = frozenset({"pdf", "jpg", "png"})
TYPE_NAMES = {"pdf": "PDF", "jpg": "JPG", "png": "PNG", "docx": "DOCX", "xlsx": "XLSX"}


@dataclass(frozen=True)
class CheckedFile:
    name: str  # the cleaned display name, with the extension of the real type
    kind: str  # a key of core.uploads.ALLOWED
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, n // 1024)} KB"


def check_file(uploaded_file, *, allowed: frozenset[str] = ANY_DOCUMENT) -> CheckedFile:
    """Type (by content, whatever the extension says) and size; raises ProjectError with the reason."""
    limit = settings.PROTECTED_UPLOAD_MAX_BYTES
    size = getattr(uploaded_file, "size", None)
    if isinstance(size, int) and size > limit:
        raise ProjectError(f"文件过大：{_size(size)}，单个文件不能超过 {_size(limit)}")
    try:
        data = uploaded_file.read(limit + 1)
    except (OSError, AttributeError):
        raise ProjectError("文件读取失败，请重新选择") from None
    if not isinstance(data, bytes):
        raise ProjectError("文件读取失败，请重新选择")
    if len(data) > limit:
        raise ProjectError(f"文件过大，单个文件不能超过 {_size(limit)}")
    if not data:
        raise ProjectError("文件是空的，请重新选择")
    real = sniff(data[:16], data)
    if real is None or real not in allowed:
        accepted = "、".join(TYPE_NAMES[k] for k in TYPE_NAMES if k in allowed)
        raise ProjectError(f"只接受 {accepted} 文件；该文件的内容不是这些格式之一（与扩展名无关）")
    return CheckedFile(name=safe_name(str(getattr(uploaded_file, "name", "") or ""), real), kind=real, data=data)


def display_name(uploaded_file) -> str:
    """The name as the user chose it (extension included), short and safe to repeat in a message."""
    name = re.split(r"[\\/]", str(getattr(uploaded_file, "name", "") or ""))[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[:80] or "未命名文件"


@contextmanager
def kept_only_if_committed() -> Iterator[list[Attachment]]:
    """Yields the list `store` appends to; if the block raises, those files are deleted again."""
    stored: list[Attachment] = []
    try:
        yield stored
    except BaseException:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise


def store(checked: CheckedFile, *, stored: list[Attachment], project: Project, kind: str, actor,
          **links) -> Attachment:
    """Writes the bytes under a random name and saves the row; `stored` collects it for clean-up."""
    attachment = Attachment(
        project=project, kind=kind, original_name=checked.name, content_type=ALLOWED[checked.kind],
        size=len(checked.data), sha256=checked.sha256, uploaded_by=actor, **links,
    )
    attachment.file.save(checked.name, ContentFile(checked.data), save=False)
    stored.append(attachment)
    attachment.save()
    return attachment
