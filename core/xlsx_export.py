"""A list exported as it is shown (filtered and sorted), streamed: rows come from a server-side
iterator into xlsxwriter in constant-memory mode and a temporary file, which the response sends in
chunks, so memory stays flat however long the list. Text goes into string cells (never evaluated),
and formula-like text gets Excel's quote prefix (core.escaping); numbers stay numbers."""
from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone

from core.calendar import SHANGHAI
from core.escaping import is_formula_like

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write(headers: Sequence[str], rows: Iterable[Sequence], *, sheet: str):
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the FileResponse closes it once sent)
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    quoted = workbook.add_format({"num_format": "@", "quote_prefix": True})
    amount = workbook.add_format({"num_format": "#,##0.00"})
    ws = workbook.add_worksheet(sheet[:31])
    for col, title in enumerate(headers):
        ws.write_string(0, col, str(title), bold)
        ws.set_column(col, col, 18)
    for r, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if value is None or value == "":
                ws.write_blank(r, col, None, text)
            elif isinstance(value, bool):
                ws.write_string(r, col, "是" if value else "否", text)
            elif isinstance(value, Decimal):
                ws.write_number(r, col, value, amount)  # xlsxwriter keeps a Decimal's digits ("%.16G")
            elif isinstance(value, int):
                ws.write_number(r, col, value)
            elif isinstance(value, datetime):
                ws.write_string(r, col, timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M"), text)
            elif isinstance(value, date):
                ws.write_string(r, col, value.isoformat(), text)
            else:
                cell = str(value)
                ws.write_string(r, col, cell, quoted if is_formula_like(cell) else text)
    workbook.close()
    out.seek(0)
    return out


def response(filename: str, headers: Sequence[str], rows: Iterable[Sequence], *, sheet: str) -> FileResponse:
    return FileResponse(write(headers, rows, sheet=sheet), as_attachment=True, filename=filename, content_type=XLSX)
