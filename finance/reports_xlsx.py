"""xlsx downloads of a round's money: the ledger, the finance overview per project and the ranking.

The figures are those the pages show (the ledger; finance.commitments for committed and left); the
streaming writer and its formula escaping are finance.exports.writers'. Column headers are the fixed
Chinese terms of the domain reference (like the 拨付清单), so an exported file reads the same
whatever the reader's language.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from finance.commitments import round_money
from finance.exports.writers import write_xlsx
from finance.models import LedgerKind
from finance.selectors import ledger_entries
from projects.models import Project
from projects.states import State

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    kind: str  # "text", "money", "int" or "decimal" (a number that is not money)
    value: Callable[[object], object]


class Sheet:
    """The small part of a TabularResource that finance.exports.writers.write_xlsx reads."""

    def __init__(self, columns: list[Column]):
        self.columns = columns

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column_kinds(self) -> list[str]:
        return [c.kind for c in self.columns]

    def get_export_headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def export_resource(self, row, **kwargs) -> list:
        return [c.value(row) for c in self.columns]

    def totals_cells(self, count: int, total) -> dict:
        return {}


def _xlsx(columns: list[Column], rows: Iterable, sheet: str) -> bytes:
    out = io.BytesIO()
    write_xlsx(Sheet(columns), rows, out, sheet=sheet)
    return out.getvalue()


def ledger_xlsx(round) -> bytes:
    kinds = dict(LedgerKind.choices)
    columns = [
        Column("date", "日期", "text", lambda e: e.occurred_on.isoformat()),
        Column("project", "项目编号", "text", lambda e: e.project.code or ""),
        Column("title", "项目名称", "text", lambda e: e.project.title),
        Column("tranche", "期次", "text", lambda e: e.tranche.name if e.tranche_id else ""),
        Column("kind", "事项", "text", lambda e: str(kinds.get(e.kind, e.kind))),
        Column("amount", "金额（元）", "money", lambda e: e.amount),
        Column("batch", "拨付批次", "text", lambda e: e.batch.number if e.batch_id else ""),
        Column("reference", "参考号", "text", lambda e: e.reference),
        Column("note", "备注", "text", lambda e: e.note),
        Column("actor", "经办人", "text", lambda e: str(e.actor)),
    ]
    return _xlsx(columns, ledger_entries(round).order_by("pk"), "资金台账")


def overview_xlsx(round) -> bytes:
    """One row per funded project with the figures of finance.commitments, then the round's totals."""
    money = round_money(round)
    projects = Project.objects.filter(pk__in=list(money.projects)).select_related("organization").order_by("code")
    rows = [(p, money.projects[p.pk]) for p in projects]
    columns = [
        Column("code", "项目编号", "text", lambda r: r[0].code or ""),
        Column("title", "项目名称", "text", lambda r: r[0].title),
        Column("org", "申报机构", "text", lambda r: r[0].organization.name),
        Column("state", "状态", "text", lambda r: str(State(r[0].state).label)),
        Column("approved", "核定金额", "money", lambda r: r[1].approved),
        Column("paid", "已拨付", "money", lambda r: r[1].paid),
        Column("outstanding", "待拨付", "money", lambda r: r[1].outstanding),
        Column("withheld", "暂停拨付", "money", lambda r: r[1].withheld),
        Column("cancelled", "取消拨付", "money", lambda r: r[1].cancelled),
        Column("clawed_back", "应追回", "money", lambda r: r[1].clawed_back),
        Column("repaid", "已追回", "money", lambda r: r[1].repaid),
        Column("committed", "占用资金", "money", lambda r: r[1].committed),
    ]
    summary = [("资金总额", money.pot), ("已占用", money.committed), ("资金池余额", money.left)]
    total_rows = rows + [_SummaryRow(label, amount) for label, amount in summary]
    return _xlsx([_with_summary(c) for c in columns], total_rows, "资金概况")


@dataclass(frozen=True)
class _SummaryRow:
    label: str
    amount: Decimal


def _with_summary(column: Column) -> Column:
    """A column that also prints the closing rows (pot, committed, left) under the projects."""
    def value(row):
        if not isinstance(row, _SummaryRow):
            return column.value(row)
        if column.name == "code":
            return row.label
        if column.name == "committed":
            return row.amount
        return None if column.kind == "money" else ""  # blank: the figure is under 占用资金 only
    return Column(column.name, column.header, column.kind, value)


def ranking_xlsx(ranked) -> bytes:
    """reviewers.ranking.Ranking as a sheet: rank, score, amounts, cumulative and what remains."""
    columns = [
        Column("position", "排名", "int", lambda r: r.position),
        Column("code", "项目编号", "text", lambda r: r.project.code or ""),
        Column("title", "项目名称", "text", lambda r: r.project.title),
        Column("org", "申报机构", "text", lambda r: r.project.organization.name),
        Column("state", "状态", "text", lambda r: r.project.state_label),
        Column("score", "得分", "decimal", lambda r: r.score),
        Column("requested", "申请金额", "money", lambda r: r.project.requested_amount),
        Column("amount", "核定金额", "money", lambda r: r.project.approved_amount or ZERO),
        Column("cumulative", "累计占用", "money", lambda r: r.cumulative if r.cumulative is not None else ZERO),
        Column("remaining", "剩余资金", "money", lambda r: r.remaining if r.remaining is not None else ZERO),
    ]
    return _xlsx(columns, ranked.rows, "排名")
