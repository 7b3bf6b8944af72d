"""The rows of a disbursement batch as the bank and the signatures see them.

One shape for both: a frozen BatchLine (after 审批) and a draft preview built from live data (before
it) are the same plain dict, so the 拨付清单, the bank file and the 拨付审批表 have one code path and
the approval freezes exactly what the preview showed.
"""
from __future__ import annotations

from grants.models import OrgType

ORG = "project__organization__"
HOST = ORG + "host__"
PAYEE_FIELDS = ("name", "credit_code", "bank_account_name", "bank_name", "bank_account_no", "bank_code")

# The live columns a line is built from (a .values() query: a 20,000-row list builds no models).
LIVE_FIELDS = (
    "pk", "name", "percent", "amount", "project__code", "project__title", "project__approved_amount",
    "project__round__name", f"{ORG}name", f"{ORG}org_type", f"{ORG}host_id",
    *(ORG + f for f in PAYEE_FIELDS), *(HOST + f for f in PAYEE_FIELDS),
)

# The BatchLine columns every export reads.
LINE_FIELDS = (
    "seq", "tranche_id", "tranche_name", "percent", "amount", "paid_before", "project_approved_amount",
    "project_code", "project_title", "round_name", "organization_name", "payee_name", "payee_credit_code",
    "account_name", "bank_name", "account_no", "bank_code", "paid_through_host", "status", "failure_reason",
    "paid_on", "bank_reference",
)


def line_from_live(row: dict, seq: int) -> dict:
    """A line from a live export row (with `paid_before`): a filed community organization is paid
    through its host, whose account and name are the payee's."""
    through_host = bool(row[ORG + "org_type"] == OrgType.COMMUNITY and row[ORG + "host_id"])
    prefix = HOST if through_host else ORG

    def payee(field: str) -> str:
        return row[prefix + field] or ""

    return {
        "seq": seq, "tranche_id": row["pk"], "tranche_name": row["name"], "percent": row["percent"],
        "amount": row["amount"], "paid_before": row["paid_before"],
        "project_approved_amount": row["project__approved_amount"] or 0,
        "project_code": row["project__code"] or "", "project_title": row["project__title"],
        "round_name": row["project__round__name"], "organization_name": row[ORG + "name"],
        "payee_name": payee("name"), "payee_credit_code": payee("credit_code"),
        "account_name": payee("bank_account_name"), "bank_name": payee("bank_name"),
        "account_no": payee("bank_account_no"), "bank_code": payee("bank_code"),
        "paid_through_host": through_host, "status": "pending", "failure_reason": "",
        "paid_on": None, "bank_reference": "",
    }


def purpose(line: dict) -> str:
    return f"{line['round_name']}资助资金（{line['tranche_name']}）"


def missing_account(line: dict) -> list[str]:
    """What the bank needs and the payee has not given: a line cannot be approved without it."""
    names = {"account_name": "户名", "bank_name": "开户行", "account_no": "账号"}
    return [label for key, label in names.items() if not line[key]]
