"""django-import-export resources for the 拨付清单 and the bank batch-transfer file.

Column headers are the fixed Chinese terms of the domain reference and the banks' tools, not UI
text: a bank import must not change with the reader's language, so they are not translated.
Each resource declares a kind per column (text, money, int) so the writers know that an account
number stays text and an amount is a number with two decimals.

Rows are plain dicts in the shape of finance.lines (a batch's frozen lines after 审批, a draft preview
before it) from finance.selectors.export_rows: a 20,000-row list must not build 100,000 model instances.
"""
from __future__ import annotations

from import_export import resources
from import_export.fields import Field

from core.money import quantize_fen, rmb_upper
from finance.exports.bank_columns import GENERIC_COLUMNS, SOURCES
from finance.lines import purpose
from finance.models import tranche_reference


class TabularResource(resources.Resource):
    """A read-only resource whose rows are written cell by cell by finance.exports.writers."""

    kinds: dict[str, str] = {}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.row_number = 0
        self._prepare()

    def _prepare(self) -> None:
        # The field list and each field's dehydrate method are fixed for a resource; import-export
        # looks both up again for every cell, which dominates the cost of a 20,000-row list.
        self._export_fields = self.get_export_fields()
        self._names = [self.get_field_name(f) for f in self._export_fields]
        self._dehydrators = []
        for field, name in zip(self._export_fields, self._names, strict=True):
            method = field.get_dehydrate_method(name)
            self._dehydrators.append(method if callable(method) else getattr(self, method))

    def export_resource(self, instance, selected_fields=None, **kwargs):
        self.row_number += 1
        return [dehydrate(instance) for dehydrate in self._dehydrators]

    def column_names(self) -> list[str]:
        return list(self._names)

    def column_kinds(self) -> list[str]:
        return [self.kinds.get(name, "text") for name in self._names]

    def totals_cells(self, count: int, total) -> dict[str, tuple[object, str]]:
        return {}


class DisbursementListResource(TabularResource):
    """拨付清单: one row per tranche of a batch, columns as in the domain reference."""

    seq = Field(column_name="序号")
    batch_number = Field(column_name="批次号")
    project_code = Field(column_name="项目编号")
    project_title = Field(column_name="项目名称")
    organization = Field(column_name="承接机构")
    credit_code = Field(column_name="统一社会信用代码")
    account_name = Field(column_name="户名")
    bank_name = Field(column_name="开户行")
    account_no = Field(column_name="账号")
    bank_code = Field(column_name="联行号")
    tranche_name = Field(column_name="期次")
    percent = Field(column_name="比例")
    amount = Field(column_name="本期金额（小写）")
    amount_upper = Field(column_name="本期金额（大写）")
    paid_before = Field(column_name="累计已拨")
    remaining = Field(column_name="剩余未拨")
    purpose = Field(column_name="用途")
    note = Field(column_name="备注")

    kinds = {"seq": "int", "amount": "money", "paid_before": "money", "remaining": "money"}

    class Meta:
        export_order = [
            "seq", "batch_number", "project_code", "project_title", "organization", "credit_code",
            "account_name", "bank_name", "account_no", "bank_code", "tranche_name", "percent", "amount",
            "amount_upper", "paid_before", "remaining", "purpose", "note",
        ]

    def __init__(self, *, batch_number: str, draft: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.batch_number = batch_number
        # Before 审批 the list is a preview: every row says so, so no page of it can pass for the real one.
        self.draft = draft

    def totals_cells(self, count: int, total) -> dict[str, tuple[object, str]]:
        """The closing row: 笔数 and 合计 in 小写 and 大写, placed under the columns they total."""
        return {
            "seq": ("合计", "text"),
            "batch_number": ("笔数", "text"),
            "project_code": (count, "int"),
            "amount": (total, "money"),
            "amount_upper": (rmb_upper(total), "text"),
        }

    def dehydrate_seq(self, row):
        return self.row_number

    def dehydrate_batch_number(self, row):
        return self.batch_number

    def dehydrate_project_code(self, row):
        return row["project_code"]

    def dehydrate_project_title(self, row):
        return row["project_title"]

    def dehydrate_organization(self, row):
        return row["organization_name"]

    def dehydrate_credit_code(self, row):
        return row["payee_credit_code"]

    def dehydrate_account_name(self, row):
        return row["account_name"]

    def dehydrate_bank_name(self, row):
        return row["bank_name"]

    def dehydrate_account_no(self, row):
        return row["account_no"]

    def dehydrate_bank_code(self, row):
        return row["bank_code"]

    def dehydrate_tranche_name(self, row):
        return row["tranche_name"]

    def dehydrate_percent(self, row):
        return f"{row['percent']:.2f}%"

    def dehydrate_amount(self, row):
        return quantize_fen(row["amount"])

    def dehydrate_amount_upper(self, row):
        return rmb_upper(quantize_fen(row["amount"]))

    def dehydrate_paid_before(self, row):
        return quantize_fen(row["paid_before"])

    def dehydrate_remaining(self, row):
        return quantize_fen(row["project_approved_amount"] - row["paid_before"] - row["amount"])

    def dehydrate_purpose(self, row):
        return purpose(row)

    def dehydrate_note(self, row):
        notes = ["草稿，未经审批，不得拨付"] if self.draft else []
        if row["paid_through_host"]:
            notes.append(f"备案社区社会组织，由依托单位{row['payee_name']}收款")
        if row["status"] == "failed":
            notes.append(f"银行退汇：{row['failure_reason']}")
        return "；".join(notes)


BANK_VALUES = {
    "seq": lambda r, row: r.row_number,
    "reference": lambda r, row: tranche_reference(row["tranche_id"]),
    "account_name": lambda r, row: row["account_name"],
    "account_no": lambda r, row: row["account_no"],
    "bank_name": lambda r, row: row["bank_name"],
    "bank_code": lambda r, row: row["bank_code"],
    "amount": lambda r, row: quantize_fen(row["amount"]),
    "amount_upper": lambda r, row: rmb_upper(quantize_fen(row["amount"])),
    "purpose": lambda r, row: purpose(row),
    "project_code": lambda r, row: row["project_code"],
    "credit_code": lambda r, row: row["payee_credit_code"],
    "batch_number": lambda r, row: r.batch_number,
    "currency": lambda r, row: "人民币",
}


class BankTransferResource(TabularResource):
    """The bank's batch-transfer file; its columns come from a BankFormat or the generic layout."""

    def __init__(self, *, batch_number: str, columns: list[dict] | None = None, **kwargs):
        self.columns = columns or GENERIC_COLUMNS
        self.batch_number = batch_number
        super().__init__(**kwargs)

    def _prepare(self) -> None:
        self.fields = {}
        for index, column in enumerate(self.columns):
            value = BANK_VALUES[column["source"]]
            self.fields[f"c{index}"] = Field(
                column_name=column["header"], dehydrate_method=lambda row, value=value: value(self, row),
            )
        super()._prepare()
        self._kinds = [SOURCES[column["source"]][1] for column in self.columns]

    def get_export_order(self):
        return tuple(self.fields)

    def column_kinds(self) -> list[str]:
        return list(self._kinds)
