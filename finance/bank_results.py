"""Reading a bank's result file (csv or xlsx): reference, account, amount, status, reason.

Banks name their columns differently; the aliases below cover the common Chinese and English
ones. Every unreadable row is reported at once, so the officer fixes the file in one pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.money import money
from core.spreadsheets import load_dataset

ALIASES = {
    "reference": {"reference", "参考号", "业务参考号", "客户参考号", "交易参考号"},
    "account": {"account", "账号", "收款人账号", "收款账号", "收方账号"},
    "amount": {"amount", "金额", "交易金额"},
    "status": {"status", "状态", "处理结果", "交易状态"},
    "reason": {"reason", "原因", "失败原因", "备注"},
    "bank_reference": {"bank_reference", "流水号", "银行流水号"},
}
REQUIRED = ("reference", "account", "amount", "status")
SUCCESS = {"success", "succeeded", "ok", "s", "成功", "交易成功", "处理成功", "已成功"}
FAILURE = {"failed", "fail", "failure", "error", "f", "失败", "交易失败", "处理失败"}


@dataclass(frozen=True)
class ResultRow:
    line: int
    reference: str
    account: str
    amount: Decimal
    success: bool
    reason: str
    bank_reference: str


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an account number a spreadsheet turned into a number
    return str(value).strip()


def parse_rows(headers: list, rows: list) -> tuple[list[ResultRow], list[str]]:
    """(rows, problems); problems name the line and the column."""
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _text(header).lower()
        for name, aliases in ALIASES.items():
            if key in aliases:
                columns.setdefault(name, index)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        return [], [f"回单文件缺少列：{'、'.join(missing)}"]
    parsed, problems = [], []
    for line, raw in enumerate(rows, start=2):
        cells = {name: _text(raw[i]) if i < len(raw) else "" for name, i in columns.items()}
        if not any(cells.values()):
            continue
        status = cells["status"].lower()
        if status not in SUCCESS | FAILURE:
            problems.append(f"第{line}行：无法识别的处理状态「{cells['status']}」")
            continue
        try:
            amount = money(cells["amount"])
        except (ValueError, TypeError) as exc:
            problems.append(f"第{line}行：{exc}")
            continue
        if not cells["reference"]:
            problems.append(f"第{line}行：缺少业务参考号")
            continue
        success = status in SUCCESS
        if not success and not cells.get("reason"):
            problems.append(f"第{line}行：失败记录须有失败原因")
            continue
        parsed.append(ResultRow(line, cells["reference"], cells["account"], amount, success,
                                cells.get("reason", ""), cells.get("bank_reference", "")))
    return parsed, problems


def parse_result_file(content: bytes, filename: str) -> tuple[list[ResultRow], list[str]]:
    unreadable = "文件无法读取，请确认是银行导出的 CSV 或 XLSX 文件"
    try:
        # Capped in size, rows and decompression before parsing: a bank file is no reason to hold a worker.
        dataset = load_dataset(filename, content, csv_encodings=("utf-8-sig", "gbk"))
    except ValueError as exc:  # core.spreadsheets' refusals say what is wrong
        return [], [str(exc) or unreadable]
    except Exception:  # tablib and openpyxl raise many kinds of errors for a damaged file
        return [], [unreadable]
    return parse_rows(list(dataset.headers or []), list(dataset))
