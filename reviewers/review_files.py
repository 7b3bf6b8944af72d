"""The proposal's files as an assigned expert gets them on the review page.

Every file is offered under a neutral name (附件1-申报材料.pdf) and, in a blind round, as a cleaned
copy: a PDF is rewritten page by page without its document information, XMP metadata, page
metadata or annotations (comments carry their author); an image is re-encoded from its pixels (no
EXIF, no text chunks); a Word or Excel file gets empty document properties. A file whose text still
names the applicant (a PDF's or an office file's text) is withheld in a blind round: the expert is
told that an attachment was withheld, never why by name. Images cannot be read for names; in a
blind round only "other" files reach the expert at all (projects.selectors.BLIND_REVIEW_FILE_KINDS).
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

from django.core.cache import cache
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import NameObject

from projects.models import Attachment
from projects.selectors import BLIND_REVIEW_FILE_KINDS, IMPLEMENTATION_FILE_KINDS
from reviewers.blind import mentions

# File names are part of what the expert sees, so they are Chinese like the rule texts.
FILE_LABELS = {
    "registration_certificate": "登记证书", "charter": "章程", "financial_report": "财务报告",
    "rating_certificate": "评估等级证书", "other": "申报材料",
}
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,8})$")
_TEXT_PARTS = ("word/document.xml", "xl/sharedStrings.xml")
_TAG = re.compile(rb"<[^>]+>")
EMPTY_CORE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
              b'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"/>')
EMPTY_APP = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
             b'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>')

EMPTY_CUSTOM = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
                b'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>')


@dataclass(frozen=True)
class OfferedFile:
    number: int  # 1-based position on the review page, the id in the URL
    attachment: Attachment
    name: str

    @property
    def inline(self) -> bool:
        return self.attachment.content_type in INLINE_TYPES


def neutral_name(number: int, attachment) -> str:
    match = _EXTENSION.search(attachment.original_name or "")
    ext = f".{match.group(1).lower()}" if match else ""
    return f"附件{number}-{FILE_LABELS.get(attachment.kind, '申报材料')}{ext}"


def candidate_files(project, *, blind: bool) -> list:
    files = project.attachments.exclude(kind__in=IMPLEMENTATION_FILE_KINDS)
    if blind:
        files = files.filter(kind__in=BLIND_REVIEW_FILE_KINDS)
    return list(files.order_by("id"))


def offered_files(project, *, blind: bool, names: list[str]) -> tuple[list[OfferedFile], int]:
    """The files on the review page, numbered, and how many were withheld for naming the applicant."""
    offered: list[OfferedFile] = []
    withheld = 0
    for attachment in candidate_files(project, blind=blind):
        if blind and _names_applicant(attachment, names):
            withheld += 1
            continue
        offered.append(OfferedFile(len(offered) + 1, attachment, ""))
    return [OfferedFile(f.number, f.attachment, neutral_name(f.number, f.attachment)) for f in offered], withheld


def _names_applicant(attachment, names: list[str]) -> bool:
    key = "review-file-names:" + hashlib.sha256(
        f"{attachment.pk}:{attachment.sha256}:{'|'.join(names)}".encode()).hexdigest()
    verdict = cache.get(key)
    if verdict is None:
        try:
            verdict = mentions(text_of(_read(attachment), attachment.content_type), names)
        except (PdfReadError, zipfile.BadZipFile, ValueError, OSError):
            verdict = True  # unreadable: cannot be shown to be anonymous, so not offered in a blind round
        cache.set(key, verdict, 24 * 3600)
    return verdict


def original_bytes(attachment) -> bytes:
    return _read(attachment)


def _read(attachment) -> bytes:
    with attachment.file.open("rb") as fh:
        return fh.read()


def text_of(data: bytes, content_type: str) -> str:
    if content_type == "application/pdf":
        reader = _reader(data)
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if content_type.startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(_TAG.sub(b"", z.read(n)).decode("utf-8", "replace")
                             for n in _TEXT_PARTS if n in z.namelist())
    return ""


def _reader(data: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("encrypted PDF")
    return reader


def cleaned_bytes(attachment) -> bytes:
    """The file without the document metadata that could name its author or organization."""
    data = _read(attachment)
    kind = attachment.content_type
    try:
        return _cleaned(data, kind)
    except (PdfReadError, zipfile.BadZipFile, OSError) as exc:
        raise ValueError("cannot clean the file") from exc


def _cleaned(data: bytes, kind: str) -> bytes:
    if kind == "application/pdf":
        return _clean_pdf(data)
    if kind in ("image/png", "image/jpeg"):
        return _clean_image(data, "PNG" if kind == "image/png" else "JPEG")
    if kind.startswith("application/vnd.openxmlformats"):
        return _clean_office(data)
    return data


def _clean_pdf(data: bytes) -> bytes:
    writer = PdfWriter()
    for page in _reader(data).pages:
        added = writer.add_page(page)
        for key in ("/Metadata", "/PieceInfo", "/Annots"):
            if NameObject(key) in added:
                del added[NameObject(key)]
    writer.metadata = None  # no document information dictionary, not even a producer
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _clean_image(data: bytes, fmt: str) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        pixels = Image.frombytes(img.mode, img.size, img.tobytes())
        palette = img.getpalette() if img.mode == "P" else None
        if palette:
            pixels.putpalette(palette)
    out = io.BytesIO()
    if fmt == "JPEG" and pixels.mode not in ("RGB", "L", "CMYK"):
        pixels = pixels.convert("RGB")
    pixels.save(out, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return out.getvalue()


def _clean_office(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = EMPTY_CORE
            elif item.filename == "docProps/app.xml":
                body = EMPTY_APP
            elif item.filename == "docProps/custom.xml":
                body = EMPTY_CUSTOM
            dst.writestr(item.filename, body)
    return out.getvalue()
