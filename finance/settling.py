"""Money writes that follow an evaluation: giving back what a failed mid-term held once it is passed,
and the 结项决算 (finance.settlement) applied to the 尾款 before it is released.

Called from finance.receivers inside the project's transition, so the project, its settlement and
its money never disagree. Every tranche change appends to the ledger, which keeps reconciling:
a 尾款 reduced in part is split into what is still paid and a cancelled remainder, so the tranche
table and the ledger both show the reduction as cancelled.
"""
from __future__ import annotations

from decimal import Decimal

from django.db.models import Max, Sum
from django.utils import timezone

from core.calendar import today
from core.money import format_yuan
from finance import money_cells, services
from finance.models import LedgerKind, Payment, Tranche, TrancheState
from finance.settlement import LineFigures, SettlementPlan, settle, split_reduction
from grants.rules.budget import CATEGORIES
from projects.models import Expenditure, Project, Settlement, Source

T = TrancheState
FINAL_TRIGGER = "final_passed"
# Not paid and not in a bank batch: what a settlement may still reduce.
STILL_DUE = (T.PLANNED, T.RELEASABLE)
ZERO = Decimal("0.00")


def _entry(tranche: Tranche, *, kind: str, from_state: str, to_state: str, amount: Decimal, actor,
           note: str) -> None:
    money_cells.append(
        round_id=tranche.project.round_id, project_id=tranche.project_id, tranche=tranche, kind=kind,
        from_state=from_state, to_state=to_state, amount=amount, occurred_on=today(), note=note, actor=actor,
    )


def resume_withheld(*, project: Project, trigger: str, actor) -> int:
    """A mid-term failed, re-run and passed: the tranche the failure withheld becomes payable."""
    count = 0
    for tranche in (Tranche.objects.select_for_update(of=("self",)).select_related("project")
                    .filter(project=project, trigger=trigger, state=T.WITHHELD)):
        tranche.resume()
        tranche.released_at = timezone.now()
        tranche.save()
        _entry(tranche, kind=LedgerKind.RELEASED, from_state=T.WITHHELD, to_state=tranche.state,
               amount=tranche.amount, actor=actor, note="评估合格，恢复拨付")
        count += 1
    return count


# ---------------------------------------------------------------- 结项决算

def _lines(project: Project, spending: list[Expenditure]) -> list[LineFigures]:
    by_line: dict[int, Decimal] = {}
    loose: dict[str, Decimal] = {}
    for e in spending:
        if e.budget_line_id:
            by_line[e.budget_line_id] = by_line.get(e.budget_line_id, ZERO) + e.amount
        else:
            loose[e.category] = loose.get(e.category, ZERO) + e.amount
    lines = [
        LineFigures(f"{CATEGORIES.get(line.category, line.category)}：{line.item}", line.amount,
                    by_line.pop(line.pk, ZERO))
        for line in project.budget_lines.filter(source=Source.GRANT).order_by("position", "pk")
    ]
    # Spending on a line removed by a later adjustment, or declared by category only.
    lines += [LineFigures(f"{CATEGORIES.get(c, c)}（预算外）", ZERO, amount) for c, amount in loose.items()]
    if by_line:
        lines.append(LineFigures("已调整的预算行", ZERO, sum(by_line.values(), ZERO)))
    return lines


def plan_for(project: Project) -> SettlementPlan:
    """The settlement of `project` as things stand (shown before, recorded at, the final evaluation)."""
    spending = list(Expenditure.objects.counted().filter(report__project=project, source=Source.GRANT))
    tranches = list(project.tranches.all())
    due = [t for t in tranches if t.state in STILL_DUE]
    disbursed = sum((t.amount for t in tranches if t.state in (T.PAID, T.IN_BATCH)), ZERO)
    return settle(
        approved=project.approved_amount or ZERO, reported=sum((e.amount for e in spending), ZERO),
        disbursed=disbursed, final_scheduled=sum((t.amount for t in due), ZERO),
        reduces_final=project.round.settlement_reduces_final_tranche, lines=_lines(project, spending),
    )


def _reduce(tranche: Tranche, keep: Decimal, actor, note: str) -> None:
    if keep == tranche.amount:
        return
    if keep == ZERO:
        from_state = tranche.state
        tranche.cancel()
        tranche.save()
        _entry(tranche, kind=LedgerKind.CANCELLED, from_state=from_state, to_state=tranche.state,
               amount=tranche.amount, actor=actor, note=note)
        return
    cut = tranche.amount - keep
    tranche.amount = keep
    tranche.save(update_fields=["amount"])
    seq = (Tranche.objects.filter(project_id=tranche.project_id).aggregate(m=Max("seq"))["m"] or 0) + 1
    remainder = Tranche.objects.create(
        project_id=tranche.project_id, round_id=tranche.round_id, seq=seq, name=f"{tranche.name}（决算核减）", percent=Decimal("0"),
        trigger=tranche.trigger, amount=cut, state=T.CANCELLED,
    )
    remainder.project = tranche.project
    _entry(remainder, kind=LedgerKind.CANCELLED, from_state=tranche.state, to_state=T.CANCELLED, amount=cut,
           actor=actor, note=note)


def apply_settlement(*, project: Project, actor) -> Settlement:
    """Records the settlement and reduces the 尾款 (or records the claw-back) before it is released."""
    plan = plan_for(project)
    settlement = Settlement.objects.create(
        project=project, approved=plan.approved, reported=plan.reported, spent=plan.spent, unspent=plan.unspent,
        disbursed=plan.disbursed, final_scheduled=plan.final_scheduled, final_payable=plan.final_payable,
        clawback=plan.clawback, reduces_final=plan.reduces_final, recorded_by=actor,
        lines=[{"label": line.label, "budgeted": str(line.budgeted), "spent": str(line.spent)} for line in plan.lines],
    )
    due = list(Tranche.objects.select_for_update(of=("self",)).select_related("project")
               .filter(project=project, state__in=STILL_DUE).order_by("seq"))
    note = f"结项决算：结余 {format_yuan(plan.unspent)} 元，核减未拨付资金"
    for tranche, keep in zip(due, split_reduction([t.amount for t in due], plan.final_payable), strict=True):
        _reduce(tranche, keep, actor, note)
    paid = Payment.objects.filter(tranche__project=project).aggregate(s=Sum("amount"))["s"] or ZERO
    clawback = min(plan.clawback, paid)
    if clawback > 0:
        services.record_clawback(project=project, amount=clawback, actor=actor,
                                 reason=f"结项决算：已拨付 {format_yuan(plan.disbursed)} 元超过实际支出 "
                                        f"{format_yuan(plan.spent)} 元")
    return settlement
