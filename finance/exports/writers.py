"""Write a TabularResource's rows to xlsx or csv without holding the file in memory.

xlsx goes through xlsxwriter in constant_memory mode (each row is flushed to a temporary file as
soon as the next begins), rows come from a server-side iterator, so memory stays flat however many
tranches a batch holds. Amounts are written as Decimals: xlsxwriter formats them with "%.16G",
which keeps the exact digits, and the cell format shows exactly two decimals.

Text goes into string cells (never evaluated as formulas), so a payee's name reaches the bank exactly
as stored; formula-like text also gets Excel's quote prefix (core.escaping). csv has no cell types:
there formula-like text starts with an apostrophe.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter

from core.escaping import escape_formula, is_formula_like
from core.money import quantize_fen
from finance.errors import FinanceError

CHUNK = 2000


@dataclass
class Summary:
    count: int
    total: Decimal


@dataclass
class PrintLayout:
    """A list meant for paper and signatures (拨付清单): a title and subtitle above the header row,
    signature rows below the totals, landscape A4 fitted to the page width with the header row
    repeated on every page. `draft` marks every printed page (and the title) as 草稿."""

    title: str
    subtitle: str = ""
    signatures: list[tuple[str, str, str]] = field(default_factory=list)  # (step, name, date)
    draft: bool = False


def _rows(resource, queryset):
    for obj in queryset.iterator(chunk_size=CHUNK) if hasattr(queryset, "iterator") else queryset:
        yield resource.export_resource(obj)


def _amount_index(resource) -> int | None:
    names = resource.column_names()
    if "amount" in names:
        return names.index("amount")
    kinds = resource.column_kinds()
    return kinds.index("money") if "money" in kinds else None


DRAFT_MARK = "草稿 · 未经审批 · 不得用于拨付"


def _print_setup(ws, layout: PrintLayout, columns: int, header_row: int) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many pages long as needed
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    # In a page header "&" starts a code (&C centre, &P page); a literal one is "&&".
    mark = '&C&"-,Bold"&14' + DRAFT_MARK if layout.draft else "&C" + layout.title.replace("&", "&&")
    ws.set_header(mark)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _write_title(workbook, ws, layout: PrintLayout, columns: int) -> int:
    """Writes the title and subtitle rows; returns the header row's index."""
    text = f"{layout.title}（{DRAFT_MARK}）" if layout.draft else layout.title
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter",
                                 "quote_prefix": is_formula_like(text)})
    sub = workbook.add_format({"align": "center", "quote_prefix": is_formula_like(layout.subtitle)})
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, columns - 1, text, title)
    ws.merge_range(1, 0, 1, columns - 1, layout.subtitle, sub)
    return 2


def _write_signatures(workbook, ws, layout: PrintLayout, row: int) -> None:
    label = workbook.add_format({"bold": True})
    quoted = workbook.add_format({"quote_prefix": True})
    for offset, (step, name, day) in enumerate(layout.signatures):
        r = row + offset
        ws.set_row(r, 30)
        ws.write_string(r, 0, f"{step}：", label)
        ws.write_string(r, 1, name, quoted if is_formula_like(name) else None)
        ws.write_string(r, 2, "签字：")
        ws.write_string(r, 4, "日期：")
        ws.write_string(r, 5, day, quoted if is_formula_like(day) else None)


def write_xlsx(resource, queryset, out, *, sheet: str, layout: PrintLayout | None = None) -> Summary:
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {
        "text": workbook.add_format({"num_format": "@"}),
        "money": workbook.add_format({"num_format": "0.00"}),
        "int": workbook.add_format({"num_format": "0"}),
        "decimal": workbook.add_format({"num_format": "0.00"}),  # a number that is not money (a score)
        "quoted": workbook.add_format({"num_format": "@", "quote_prefix": True}),
    }
    ws = workbook.add_worksheet(sheet)
    kinds = resource.column_kinds()
    amount_at = _amount_index(resource)
    top = 0
    if layout is not None:
        top = _write_title(workbook, ws, layout, len(kinds))
        _print_setup(ws, layout, len(kinds), top)
    for col, title in enumerate(resource.get_export_headers()):
        ws.write_string(top, col, title, header)
    for col, kind in enumerate(kinds):
        ws.set_column(col, col, 16 if kind == "money" else 22)
    count, total = 0, Decimal("0.00")
    write_string, write_number = ws.write_string, ws.write_number
    for row_index, values in enumerate(_rows(resource, queryset), start=top + 1):
        for col, value in enumerate(values):
            kind = kinds[col]
            if kind == "text":
                text = "" if value is None else str(value)
                write_string(row_index, col, text, formats["quoted" if is_formula_like(text) else "text"])
            elif value is not None:  # None: a blank cell (e.g. a closing row's columns that do not apply)
                write_number(row_index, col, value, formats[kind])
        count += 1
        if amount_at is not None and values[amount_at] is not None:
            total += values[amount_at]
    total = quantize_fen(total)
    closing = resource.totals_cells(count, total)
    if closing:
        names = resource.column_names()
        bold = {k: workbook.add_format({"bold": True, "num_format": f.num_format}) for k, f in formats.items()}
        for name, (value, kind) in closing.items():
            col = names.index(name)
            if kind == "text":
                ws.write_string(top + count + 1, col, str(value), bold["text"])
            else:
                ws.write_number(top + count + 1, col, value, bold[kind])
    if layout is not None and layout.signatures:
        _write_signatures(workbook, ws, layout, top + count + 3)
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
            for value, kind in zip(values, kinds, strict=True)
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
