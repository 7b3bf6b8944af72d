"""Open data (公开数据): the public facts of announced and funded projects, for the public pages and
the CSV / JSON downloads.

The allowed fields are listed once, here. The query reads only those columns, so a private field
(bank account, phone, credit code, expert reviews and scores) cannot reach the public by accident:
it is never loaded.
"""
import csv
import io
import json
from collections.abc import Iterable, Mapping

from django.db.models import QuerySet
from django.utils import translation

from core.escaping import escape_formula
from grants.defaults import DOMAINS, FUND_SOURCES
from projects.models import Project
from projects.states import State

NOTICE_STATES = [State.PUBLICITY, State.OBJECTION]
FUNDED_STATES = [
    State.CONTRACTED, State.IN_PROGRESS, State.MIDTERM_REVIEW, State.FINAL_REVIEW, State.COMPLETED,
]
PUBLIC_STATES = NOTICE_STATES + FUNDED_STATES

# public name → model path; nothing else is ever read for the public.
COLUMNS = {
    "round": "round__name",
    "round_id": "round_id",
    "year": "round__year",
    "fund_source": "round__fund_source",
    "code": "code",
    "title": "title",
    "organization": "organization__name",
    "domain": "domain",
    "district": "service_district",
    "approved_amount": "approved_amount",
    "state": "state",
    "publicity_end": "publicity_end",
    "grade": "grade",
}
# Codes (domain, state) stay stable for machines; the *_name labels are for people.
FIELDS = ["round", "year", "fund_source", "code", "title", "organization", "domain", "domain_name", "district",
          "approved_amount", "state", "status", "publicity_end", "grade"]


def public_values(*, round_id: int | None = None, states: Iterable[str] = PUBLIC_STATES) -> QuerySet:
    qs = Project.objects.filter(state__in=list(states))
    if round_id is not None:  # one round: by number alone, the same order, which the index serves
        return qs.filter(round_id=round_id).values(*COLUMNS.values()).order_by("code")
    return qs.values(*COLUMNS.values()).order_by("-round__year", "round_id", "code")


def _labels() -> dict[str, dict[str, str]]:
    """The Chinese labels of the codes, read once per list rather than once per row."""
    with translation.override("zh-hans"):
        return {"state": {code: str(label) for code, label in State.choices},
                "domain": {code: str(label) for code, label in DOMAINS.items()},
                "fund_source": {code: str(label) for code, label in FUND_SOURCES.items()}}


def public_row(values: Mapping, labels: dict[str, dict[str, str]] | None = None) -> dict:
    """One project as the public sees it: labels in Chinese, money as text with 2 decimals, and the
    grade only once the project is completed (an evaluation in progress is not public)."""
    labels = labels or _labels()
    data = {name: values[path] for name, path in COLUMNS.items()}
    status = labels["state"][data["state"]]
    domain_name = labels["domain"].get(data["domain"], "") if data["domain"] else ""
    fund_source = labels["fund_source"].get(data["fund_source"], "")
    amount = data["approved_amount"]
    return {
        "round": data["round"], "round_id": data["round_id"], "year": data["year"], "fund_source": fund_source,
        "code": data["code"] or "", "title": data["title"], "organization": data["organization"],
        "domain": data["domain"], "domain_name": domain_name, "district": data["district"], "approved_amount": f"{amount:.2f}" if amount is not None else "",
        "status": status, "state": data["state"],
        "publicity_end": data["publicity_end"].isoformat() if data["publicity_end"] else "",
        "grade": data["grade"] if data["state"] == State.COMPLETED else "",
    }


def public_rows(**filters) -> list[dict]:
    labels = _labels()
    return [public_row(v, labels) for v in public_values(**filters).iterator(chunk_size=5000)]


def to_csv(rows: Iterable[Mapping]) -> str:
    """People open the CSV in Excel: a title such as "=HYPERLINK(…)" must arrive as text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: escape_formula(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def to_json(rows: Iterable[Mapping]) -> str:
    return json.dumps({"fields": FIELDS, "projects": [{k: r[k] for k in FIELDS} for r in rows]},
                      ensure_ascii=False, indent=1)
