"""django-import-export resources of the review app: the expert import, the 公示 list and the
评审汇总表 exports.

Every xlsx this app produces goes through `xlsx_bytes`, which writes text as string cells
whatever IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT says: an organization may name its project
"=HYPERLINK(...)", and the list is opened by officers and the public in Excel.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal

import tablib
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from import_export import resources, widgets
from import_export.fields import Field

from core.escaping import is_formula_like
from core.spreadsheets import load_dataset
from reviewers.services import ExpertData

# The spellings officers use in their spreadsheets; the codes are grants.defaults.DOMAINS.
DOMAIN_NAMES = {
    "为老服务": "elderly", "养老": "elderly", "助残服务": "disability", "助残": "disability",
    "青少年成长": "youth", "青少年": "youth", "困难帮扶": "hardship", "社区治理": "community", "其他": "other",
    "elderly": "elderly", "disability": "disability", "youth": "youth", "hardship": "hardship",
    "community": "community", "other": "other",
}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
_SPLIT = re.compile(r"[、,，;；/\s]+")


class DomainsWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        names = [n for n in _SPLIT.split(str(value or "").strip()) if n]
        unknown = [n for n in names if n.lower() not in DOMAIN_NAMES]
        if unknown:
            raise ValueError(f"未知的专业领域：{'、'.join(unknown)}")
        return tuple(dict.fromkeys(DOMAIN_NAMES[n.lower()] for n in names))


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(f"「财务专家」应填写 是 或 否，而不是「{value}」")


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        # Excel turns phone numbers into floats (13800000000.0); keep the digits.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super().clean(value, row, **kwargs).strip()


class ExpertImportResource(resources.Resource):
    """Columns of the expert import; headers may be Chinese (as below) or the English field names."""

    name = Field(attribute="name", column_name="姓名", widget=TextWidget())
    phone = Field(attribute="phone", column_name="手机", widget=TextWidget())
    email = Field(attribute="email", column_name="邮箱", widget=TextWidget())
    employer = Field(attribute="employer", column_name="工作单位", widget=TextWidget())
    title = Field(attribute="title", column_name="职称", widget=TextWidget())
    domains = Field(attribute="domains", column_name="专业领域", widget=DomainsWidget())
    district = Field(attribute="district", column_name="所在区县", widget=TextWidget())
    is_finance = Field(attribute="is_finance", column_name="财务专家", widget=YesNoWidget())

    REQUIRED = ("name", "email", "domains")

    def headers(self) -> list[str]:
        return [f.column_name for f in self.fields.values()]

    def parse(self, dataset: tablib.Dataset) -> list[tuple[int, ExpertData | None, list[str]]]:
        """(row number as the officer sees it in the sheet, data or None, every problem of the row)."""
        aliases = {name: f.column_name for name, f in self.fields.items()}
        headers = [aliases.get(str(h or "").strip(), str(h or "").strip()) for h in dataset.headers or []]
        missing = [f.column_name for name, f in self.fields.items() if name in self.REQUIRED and f.column_name not in headers]
        if missing:
            return [(1, None, [f"表头缺少必需的列：{'、'.join(missing)}"])]
        out = []
        for index, values in enumerate(dataset, start=2):  # row 1 is the header
            if all(v in (None, "") for v in values):
                continue
            row = dict(zip(headers, values, strict=True))  # core.spreadsheets pads every row to the header width
            parsed, problems = {}, []
            for name, field in self.fields.items():
                try:
                    parsed[name] = field.clean(row) if field.column_name in row else field.widget.clean("")
                except ValueError as exc:
                    problems.append(str(exc))
            problems += row_problems(parsed)
            out.append((index, None if problems else ExpertData(**parsed), problems))
        return out


def row_problems(parsed: dict) -> list[str]:
    problems = []
    if not parsed.get("name"):
        problems.append("缺少姓名")
    elif len(parsed["name"]) > 50:
        problems.append("姓名不能超过50个字")
    email = parsed.get("email") or ""
    if not email:
        problems.append("缺少邮箱（用于登录和设置密码）")
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"邮箱格式不正确：{email}")
    phone = parsed.get("phone") or ""
    if phone and not _PHONE.match(phone):
        problems.append(f"手机号码格式不正确：{phone}")
    if "domains" in parsed and not parsed["domains"]:
        problems.append("请至少填写一个专业领域")
    return problems


def read_dataset(uploaded_name: str, content: bytes) -> tablib.Dataset:
    """xlsx or csv (UTF-8, with or without BOM) into a dataset, within core.spreadsheets' caps on
    size, rows and decompression; anything else is refused with a ValueError saying why."""
    return load_dataset(uploaded_name, content)


def xlsx_bytes(dataset: tablib.Dataset) -> bytes:
    """The dataset as one sheet. Text goes into string cells, which are never evaluated, so a title
    such as "=HYPERLINK(…)" arrives exactly as typed; formula-like text also carries Excel's quote
    prefix so that editing the cell keeps it text (core.escaping)."""
    return xlsx_book([dataset])


def xlsx_book(datasets: list[tablib.Dataset]) -> bytes:
    """Several datasets as the sheets of one workbook, written as xlsx_bytes writes one."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    quoted = workbook.add_format({"num_format": "@", "quote_prefix": True})
    for dataset in datasets:
        ws = workbook.add_worksheet(_sheet_title(dataset.title))
        for col, header in enumerate(dataset.headers or []):
            ws.write_string(0, col, str(header), bold)
            ws.set_column(col, col, 18)
        if dataset.headers:
            ws.freeze_panes(1, 0)
        for row, values in enumerate(dataset, start=1 if dataset.headers else 0):
            for col, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                    ws.write_number(row, col, value)
                else:
                    cell = str(value)
                    ws.write_string(row, col, cell, quoted if is_formula_like(cell) else text)
    workbook.close()
    return out.getvalue()


def _sheet_title(title) -> str | None:
    """Excel refuses sheet names over 31 characters or with []:*?/\\ in them."""
    if not title:
        return None
    return re.sub(r"[\[\]:*?/\\]", "-", str(title))[:31]


class PublicityResource(resources.Resource):
    """The 公示 list; rows are dicts built by reviewers.selectors.publicity_rows."""

    position = Field(attribute="position", column_name="序号")
    code = Field(attribute="code", column_name="项目编号")
    title = Field(attribute="title", column_name="项目名称")
    organization = Field(attribute="organization", column_name="申报机构")
    domain = Field(attribute="domain", column_name="服务领域")
    score = Field(attribute="score", column_name="评审得分")
    amount = Field(attribute="amount", column_name="拟资助金额（元）")
    period = Field(attribute="period", column_name="公示期")
    status = Field(attribute="status", column_name="状态")


class ScoreSheetResource(resources.Resource):
    """评审汇总表: one row per expert, one column per rubric criterion (built from the round's rubric)."""

    def __init__(self, rubric: list[dict]):
        super().__init__()
        self.fields = {"expert": Field(attribute="expert", column_name="评审专家")}
        for criterion in rubric:
            code = criterion["code"]
            self.fields[f"c_{code}"] = Field(
                attribute=f"scores__{code}", column_name=f"{criterion['name']}（{criterion['max']}分）")
        self.fields["total"] = Field(attribute="total", column_name="总分")
        self.fields["comment"] = Field(attribute="comment", column_name="总体评价意见")

    def get_export_order(self):
        return tuple(self.fields)
