"""django-import-export resources for the 拨付清单 and the bank batch-transfer file.

Column headers are the fixed Chinese terms of the domain reference and the banks' tools, not UI
text: a bank import must not change with the reader's language, so they are not translated.
Each resource declares a kind per column (text, money, int) so the writers know that an account
number stays text and an amount is a number with two decimals.
"""
from __future__ import annotations

from import_export import resources
from import_export.fields import Field

from finance.exports.bank_columns import GENERIC_COLUMNS, SOURCES
from finance.money import quantize_fen, rmb_upper
from grants.models import OrgType


def payee_of(tranche):
    org = tranche.project.organization
    return org.host if org.org_type == OrgType.COMMUNITY and org.host_id else org


def purpose_of(tranche) -> str:
    return f"{tranche.project.round.name}资助资金（{tranche.name}）"


class TabularResource(resources.Resource):
    """A read-only resource whose rows are written cell by cell by finance.exports.writers."""

    kinds: dict[str, str] = {}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The export field list is fixed for a resource; import-export recomputes it per row,
        # which dominates the cost of a 20,000-row list.
        self._export_fields = self.get_export_fields()
        self.row_number = 0

    def export_resource(self, instance, selected_fields=None, **kwargs):
        self.row_number += 1
        return [self.export_field(field, instance, **kwargs) for field in self._export_fields]

    def column_kinds(self) -> list[str]:
        return [self.kinds.get(self.get_field_name(f), "text") for f in self._export_fields]


class DisbursementListResource(TabularResource):
    """拨付清单: one row per tranche of a batch, columns as in the domain reference."""

    seq = Field(column_name="序号")
    batch_number = Field(column_name="批次号")
    project_code = Field(attribute="project__code", column_name="项目编号")
    project_title = Field(attribute="project__title", column_name="项目名称")
    organization = Field(attribute="project__organization__name", column_name="承接机构")
    credit_code = Field(column_name="统一社会信用代码")
    account_name = Field(column_name="户名")
    bank_name = Field(column_name="开户行")
    account_no = Field(column_name="账号")
    bank_code = Field(column_name="联行号")
    tranche_name = Field(attribute="name", column_name="期次")
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

    def __init__(self, *, batch_number: str, **kwargs):
        super().__init__(**kwargs)
        self.batch_number = batch_number

    def totals_cells(self, count: int, total) -> dict[str, tuple[object, str]]:
        """The closing row: 笔数 and 合计 in 小写 and 大写, placed under the columns they total."""
        return {
            "seq": ("合计", "text"),
            "batch_number": ("笔数", "text"),
            "project_code": (count, "int"),
            "amount": (total, "money"),
            "amount_upper": (rmb_upper(total), "text"),
        }

    def dehydrate_seq(self, t):
        return self.row_number

    def dehydrate_batch_number(self, t):
        return self.batch_number

    def dehydrate_credit_code(self, t):
        return payee_of(t).credit_code or ""

    def dehydrate_account_name(self, t):
        return payee_of(t).bank_account_name

    def dehydrate_bank_name(self, t):
        return payee_of(t).bank_name

    def dehydrate_account_no(self, t):
        return payee_of(t).bank_account_no

    def dehydrate_bank_code(self, t):
        return payee_of(t).bank_code

    def dehydrate_percent(self, t):
        return f"{t.percent:.2f}%"

    def dehydrate_amount(self, t):
        return quantize_fen(t.amount)

    def dehydrate_amount_upper(self, t):
        return rmb_upper(quantize_fen(t.amount))

    def dehydrate_paid_before(self, t):
        return quantize_fen(t.paid_before)

    def dehydrate_remaining(self, t):
        return quantize_fen(t.project.approved_amount - t.paid_before - t.amount)

    def dehydrate_purpose(self, t):
        return purpose_of(t)

    def dehydrate_note(self, t):
        payee = payee_of(t)
        if payee.pk != t.project.organization_id:
            return f"备案社区社会组织，由依托单位{payee.name}收款"
        return ""


def _bank_value(source: str, resource: "BankTransferResource", t):
    payee = payee_of(t)
    values = {
        "seq": lambda: resource.row_number,
        "reference": lambda: t.reference,
        "account_name": lambda: payee.bank_account_name,
        "account_no": lambda: payee.bank_account_no,
        "bank_name": lambda: payee.bank_name,
        "bank_code": lambda: payee.bank_code,
        "amount": lambda: quantize_fen(t.amount),
        "amount_upper": lambda: rmb_upper(quantize_fen(t.amount)),
        "purpose": lambda: purpose_of(t),
        "project_code": lambda: t.project.code,
        "credit_code": lambda: payee.credit_code or "",
        "batch_number": lambda: resource.batch_number,
        "currency": lambda: "人民币",
    }
    return values[source]()


class BankTransferResource(TabularResource):
    """The bank's batch-transfer file; its columns come from a BankFormat or the generic layout."""

    def __init__(self, *, batch_number: str, columns: list[dict] | None = None, **kwargs):
        columns = columns or GENERIC_COLUMNS
        super().__init__(**kwargs)
        self.batch_number = batch_number
        self.fields = {}
        self._kinds = []
        for index, column in enumerate(columns):
            source = column["source"]
            self.fields[f"c{index}"] = Field(
                column_name=column["header"],
                dehydrate_method=lambda t, source=source: _bank_value(source, self, t),
            )
            self._kinds.append(SOURCES[source][1])
        self._export_fields = list(self.fields.values())

    def totals_cells(self, count: int, total) -> dict:
        return {}  # bank tools reject a totals row

    def get_export_order(self):
        return tuple(self.fields)

    def column_kinds(self) -> list[str]:
        return list(self._kinds)
