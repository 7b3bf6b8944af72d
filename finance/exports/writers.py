"""Write a TabularResource's rows to xlsx or csv without holding the file in memory.

xlsx goes through xlsxwriter in constant_memory mode (each row is flushed to a temporary file as
soon as the next begins), rows come from a server-side iterator, so memory stays flat however many
tranches a batch holds. Amounts are written as Decimals: xlsxwriter formats them with "%.16G",
which keeps the exact digits, and the cell format shows exactly two decimals.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter

from finance.errors import FinanceError
from core.escaping import escape_formula
from core.money import quantize_fen

CHUNK = 2000


@dataclass
class Summary:
    count: int
    total: Decimal


def _rows(resource, queryset):
    for obj in queryset.iterator(chunk_size=CHUNK) if hasattr(queryset, "iterator") else queryset:
        yield resource.export_resource(obj)


def _amount_index(resource) -> int | None:
    names = resource.column_names()
    if "amount" in names:
        return names.index("amount")
    kinds = resource.column_kinds()
    return kinds.index("money") if "money" in kinds else None


def write_xlsx(resource, queryset, out, *, sheet: str) -> Summary:
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {
        "text": workbook.add_format({"num_format": "@"}),
        "money": workbook.add_format({"num_format": "0.00"}),
        "int": workbook.add_format({"num_format": "0"}),
    }
    ws = workbook.add_worksheet(sheet)
    kinds = resource.column_kinds()
    amount_at = _amount_index(resource)
    for col, title in enumerate(resource.get_export_headers()):
        ws.write_string(0, col, escape_formula(title), header)
    for col, kind in enumerate(kinds):
        ws.set_column(col, col, 16 if kind == "money" else 22)
    count, total = 0, Decimal("0.00")
    write_string, write_number = ws.write_string, ws.write_number
    for row_index, values in enumerate(_rows(resource, queryset), start=1):
        for col, value in enumerate(values):
            kind = kinds[col]
            if kind == "text":
                write_string(row_index, col, escape_formula("" if value is None else str(value)), formats["text"])
            else:
                write_number(row_index, col, value, formats[kind])
        count += 1
        if amount_at is not None:
            total += values[amount_at]
    total = quantize_fen(total)
    closing = resource.totals_cells(count, total)
    if closing:
        names = resource.column_names()
        bold = {k: workbook.add_format({"bold": True, "num_format": f.num_format}) for k, f in formats.items()}
        for name, (value, kind) in closing.items():
            col = names.index(name)
            if kind == "text":
                ws.write_string(count + 1, col, escape_formula(str(value)), bold["text"])
            else:
                ws.write_number(count + 1, col, value, bold[kind])
    workbook.close()
    return Summary(count, total)


def write_csv(resource, queryset, out, *, encoding: str = "utf-8-sig") -> Summary:
    """`out` is a binary file; text is encoded as the bank asks (utf-8-sig or gbk)."""
    text = io.TextIOWrapper(out, encoding=encoding, newline="", write_through=True)
    writer = csv.writer(text)
    kinds = resource.column_kinds()
    amount_at = _amount_index(resource)
    writer.writerow([escape_formula(h) for h in resource.get_export_headers()])
    count, total = 0, Decimal("0.00")
    for line, values in enumerate(_rows(resource, queryset), start=2):
        cells = [
            f"{value:.2f}" if kind == "money" else escape_formula("" if value is None else str(value))
            for value, kind in zip(values, kinds)
        ]
        try:
            writer.writerow(cells)
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else "?"
            raise FinanceError(
                f"银行文件要求 {encoding.upper()} 编码，第{line}行含有该编码无法表示的字符「{bad}」；"
                "请修改收款信息，或为该银行改用 UTF-8 格式"
            ) from None
        count += 1
        if amount_at is not None:
            total += values[amount_at]
    text.detach()  # leave `out` open for the response
    return Summary(count, quantize_fen(total))
