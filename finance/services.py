"""Money writes: tranches, payments, claw-backs. Called inside the caller's transaction when the
project changes state, so a project and its money never disagree."""
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Role
from finance.errors import FinanceError
from finance.models import Clawback, Payment, Tranche, TrancheState
from finance.money import format_yuan, money
from finance.tranches import split_amount


def create_tranches(*, project, actor) -> list[Tranche]:
    if project.tranches.exists():
        raise FinanceError("该项目已生成拨款计划")
    template = project.round.tranche_template
    amounts = split_amount(project.approved_amount, [Decimal(str(t["percent"])) for t in template])
    return Tranche.objects.bulk_create(
        Tranche(project=project, seq=i, name=t["name"], percent=Decimal(str(t["percent"])),
                trigger=t["trigger"], amount=amount)
        for i, (t, amount) in enumerate(zip(template, amounts), start=1)
    )


def _move(tranches, method: str) -> int:
    count = 0
    for tranche in tranches:
        getattr(tranche, method)()
        if method == "release":
            tranche.released_at = timezone.now()
        tranche.save()
        count += 1
    return count


def release_tranches(*, project, trigger: str, actor) -> int:
    qs = Tranche.objects.select_for_update().filter(project=project, trigger=trigger, state=TrancheState.PLANNED)
    return _move(qs, "release")


def withhold_tranches(*, project, trigger: str | None, actor) -> int:
    """A failed evaluation holds back the tranche it gated (or every unpaid one when trigger is None)."""
    qs = Tranche.objects.select_for_update().filter(
        project=project, state__in=[TrancheState.PLANNED, TrancheState.RELEASABLE]
    )
    if trigger:
        qs = qs.filter(trigger=trigger)
    return _move(qs, "withhold")


def cancel_open_tranches(*, project, actor) -> int:
    qs = Tranche.objects.select_for_update().filter(
        project=project,
        state__in=[TrancheState.PLANNED, TrancheState.RELEASABLE, TrancheState.IN_BATCH, TrancheState.WITHHELD],
    )
    return _move(qs, "cancel")


def paid_total(project) -> Decimal:
    return Payment.objects.filter(tranche__project=project).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def record_clawback(*, project, amount: Decimal, reason: str, actor) -> Clawback:
    paid = paid_total(project)
    if amount > paid:
        raise FinanceError(f"追回金额 {format_yuan(amount)} 元不能超过已拨付金额 {format_yuan(paid)} 元")
    return Clawback.objects.create(project=project, amount=amount, reason=reason)


def record_payment(*, actor, tranche_id: int, paid_on: date, bank_reference: str = "") -> Payment:
    """Pays one tranche once: the row lock serializes, the one-to-one constraint is the backstop."""
    if not actor.has_role(Role.FINANCE):
        raise FinanceError("只有财务人员可以登记拨付")
    try:
        with transaction.atomic():
            tranche = Tranche.objects.select_for_update().select_related("project").get(pk=tranche_id)
            if tranche.state == TrancheState.PAID or Payment.objects.filter(tranche=tranche).exists():
                raise FinanceError(f"{tranche.project.code} {tranche.name}已登记拨付，不能重复拨付")
            if tranche.state not in (TrancheState.RELEASABLE, TrancheState.IN_BATCH):
                raise FinanceError(f"{tranche.name}当前状态为「{TrancheState(tranche.state).label}」，不能拨付")
            tranche.mark_paid()
            tranche.save()
            payment = Payment.objects.create(
                tranche=tranche, amount=money(tranche.amount), paid_on=paid_on,
                bank_reference=bank_reference.strip(), recorded_by=actor,
            )
            from projects.services import log_event, start_project
            from projects.states import State

            log_event(
                project=tranche.project, actor=actor, action="payment",
                comment=f"{tranche.name} {format_yuan(tranche.amount)} 元已拨付", data={"tranche": tranche.seq},
            )
            if tranche.project.state == State.CONTRACTED and tranche.seq == 1:
                start_project(actor=actor, project_id=tranche.project_id, system=True)
    except IntegrityError:
        raise FinanceError("该期资金已登记拨付，不能重复拨付") from None
    return payment
