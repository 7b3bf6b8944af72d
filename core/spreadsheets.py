"""Reading a spreadsheet someone uploaded, without letting the file decide how much work that is.

An xlsx is a zip: 359 KB can expand to gigabytes of XML (a decompression bomb) and hold a worker
for minutes. Before any parsing, the zip's central directory is read and the file refused when the
declared sizes are too large or compress too well to be a real sheet (Python's zipfile never
inflates an entry past its declared size, so the declaration binds). Rows are then read one at a
time in openpyxl's streaming mode and the file refused past the row and column caps.

Every refusal is a SpreadsheetRefused (a ValueError) with a Chinese message for the page.
"""
import csv
import io
import zipfile
from dataclasses import dataclass

import tablib
from django.conf import settings
from openpyxl import load_workbook


class SpreadsheetRefused(ValueError):
    """The file is not read: the message says why, in words for the person who uploaded it."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int = 60
    max_uncompressed: int = 40 * 1024 * 1024
    max_ratio: int = 100  # real sheets compress 5–30×; bombs 1000× and more
    ratio_floor: int = 1024 * 1024  # small entries may compress as well as they like
    max_members: int = 500

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(max_bytes=int(getattr(settings, "SPREADSHEET_MAX_BYTES", 5 * 1024 * 1024)),
                   max_rows=int(getattr(settings, "SPREADSHEET_MAX_ROWS", 5000)))


def _mib(size: int) -> str:
    return f"{size / 1048576:.0f} MB" if size >= 1048576 else f"{size // 1024} KB"


def check_archive(content: bytes, limits: Limits) -> None:
    """Refuses a zip whose members would expand beyond the limits; reads only the central directory."""
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SpreadsheetRefused("无法读取该 xlsx 文件，请确认文件未损坏") from None
    if len(members) > limits.max_members:
        raise SpreadsheetRefused("该 xlsx 文件结构异常（内部文件过多），已拒绝读取")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > limits.ratio_floor and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise SpreadsheetRefused("该 xlsx 文件解压后异常膨胀（疑似压缩炸弹），已拒绝读取")
    if total > limits.max_uncompressed:
        raise SpreadsheetRefused(f"该 xlsx 文件解压后超过 {_mib(limits.max_uncompressed)}，请拆分后分批导入")


def _too_many_rows(limits: Limits) -> SpreadsheetRefused:
    return SpreadsheetRefused(f"表格超过 {limits.max_rows:,} 行，请拆分后分批导入")


def _dataset(rows, limits: Limits) -> tablib.Dataset:
    dataset = tablib.Dataset()
    for index, row in enumerate(rows):
        if index > limits.max_rows:  # the header row is not counted
            raise _too_many_rows(limits)
        values = list(row)
        if len(values) > limits.max_columns:
            if any(v not in (None, "") for v in values[limits.max_columns:]):
                raise SpreadsheetRefused(f"表格超过 {limits.max_columns} 列，请只保留模板中的列")
            values = values[:limits.max_columns]
        if index == 0:
            if not any(str(v or "").strip() for v in values):
                raise SpreadsheetRefused("第一行须为表头（列名），请使用模板")
            dataset.headers = values
            continue
        width = dataset.width
        if width and any(v not in (None, "") for v in values[width:]):
            raise SpreadsheetRefused(f"第{index + 1}行的列数多于表头，请确认每一行的列数与表头一致")
        values = (values + [""] * width)[:width] if width else values
        dataset.append(values)
    return dataset


def read_xlsx(content: bytes, limits: Limits) -> tablib.Dataset:
    check_archive(content, limits)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise SpreadsheetRefused("无法读取该 xlsx 文件，请确认文件未损坏") from None
    try:
        sheet = book.active
        dataset = _dataset(sheet.iter_rows(values_only=True), limits)
        dataset.title = sheet.title
    except SpreadsheetRefused:
        raise
    except Exception:
        raise SpreadsheetRefused("无法读取该 xlsx 文件，请确认文件未损坏") from None
    finally:
        book.close()
    return dataset


def read_csv(content: bytes, limits: Limits, *, encodings: tuple[str, ...] = ("utf-8-sig",)) -> tablib.Dataset:
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        names = " 或 ".join("UTF-8" if e.startswith("utf-8") else e.upper() for e in encodings)
        raise SpreadsheetRefused(f"CSV 文件须为 {names} 编码")
    try:
        return _dataset(csv.reader(io.StringIO(text, newline="")), limits)
    except csv.Error:
        raise SpreadsheetRefused("无法读取该 CSV 文件，请确认格式正确") from None


def _too_large(limits: Limits) -> SpreadsheetRefused:
    return SpreadsheetRefused(f"文件超过 {_mib(limits.max_bytes)}，请拆分后分批导入")


def read_upload(upload, *, limits: Limits | None = None) -> bytes:
    """An uploaded file's bytes, refused before reading when its size is over the cap, and never
    read past the cap when the size is not known (or not honest)."""
    limits = limits or Limits.from_settings()
    size = getattr(upload, "size", None)
    if size is not None and size > limits.max_bytes:
        raise _too_large(limits)
    content = upload.read(limits.max_bytes + 1)
    if len(content) > limits.max_bytes:
        raise _too_large(limits)
    return content


def load_dataset(filename: str, content: bytes, *, limits: Limits | None = None,
                 csv_encodings: tuple[str, ...] = ("utf-8-sig",)) -> tablib.Dataset:
    """xlsx or csv into a dataset (first row the headers), within the limits; anything else refused."""
    limits = limits or Limits.from_settings()
    if len(content) > limits.max_bytes:
        raise _too_large(limits)
    lower = (filename or "").lower()
    if lower.endswith(".xlsx"):
        return read_xlsx(content, limits)
    if lower.endswith(".csv"):
        return read_csv(content, limits, encodings=csv_encodings)
    raise SpreadsheetRefused("只支持 xlsx 或 csv 文件")
