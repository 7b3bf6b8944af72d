"""Money writes: tranches, batches, payments, claw-backs. Every change is one transaction that locks
the rows it changes and appends to the money ledger, so the ledger is the audit trail and the source
of every total. Tranche services are also called inside the project's transaction when the project
changes state, so a project and its money never disagree."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Role
from finance.bank_results import ResultRow
from finance.errors import FinanceError
from finance.models import (
    BATCH,
    TRANCHE,
    BankFormat,
    Batch,
    BatchEvent,
    BatchState,
    Clawback,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentFailure,
    Tranche,
    TrancheState,
)
from core.money import format_yuan, money
from core.validation import model_problems
from finance.selectors import releasable_tranches
from finance.signoff import signoff_problems
from grants.rules.tranches import split_amount
from core.calendar import today
from projects.models import Project
from projects import services as project_services
from projects.services import log_event
from projects.states import State

T = TrancheState


def _require_finance(actor, what: str) -> None:
    if not actor.has_role(Role.FINANCE):
        raise FinanceError(f"只有财务人员可以{what}")


def _ledger(*, tranche: Tranche, kind: str, from_state: str, actor, batch_id: int | None = None,
            occurred_on: date | None = None, reference: str = "", note: str = "") -> LedgerEntry:
    return LedgerEntry.objects.create(
        round_id=tranche.project.round_id, project_id=tranche.project_id, tranche=tranche,
        batch_id=batch_id, kind=kind, from_state=from_state, to_state=tranche.state, amount=tranche.amount,
        occurred_on=occurred_on or today(), reference=reference, note=note, actor=actor,
    )


# ---------------------------------------------------------------- tranches
# Lock order: batch before its tranches; a project's own transition locks the project first.
# Joined rows are never locked (of=("self",)): only the row being changed is.

def create_tranches(*, project, actor) -> list[Tranche]:
    """At signing: the round's template splits the approved amount; the ledger records it as approved."""
    with transaction.atomic():
        if project.tranches.exists():
            raise FinanceError("该项目已生成拨款计划")
        template = project.round.tranche_template
        amounts = split_amount(project.approved_amount, [Decimal(str(t["percent"])) for t in template])
        tranches = Tranche.objects.bulk_create(
            Tranche(project=project, seq=i, name=t["name"], percent=Decimal(str(t["percent"])),
                    trigger=t["trigger"], amount=amount)
            for i, (t, amount) in enumerate(zip(template, amounts), start=1)
        )
        for tranche in Tranche.objects.filter(project=project).select_related("project"):
            _ledger(tranche=tranche, kind=LedgerKind.APPROVED, from_state="", actor=actor,
                    note=f"签订协议，核定金额 {format_yuan(project.approved_amount)} 元")
    return tranches


def _move(qs, method: str, kind: str, actor, *, note: str = "") -> int:
    """Locks the tranches, runs the FSM transition on each and appends one ledger entry per tranche."""
    count = 0
    with transaction.atomic():
        for tranche in qs.select_for_update(of=("self",)).select_related("project"):
            from_state, batch_id = tranche.state, tranche.batch_id
            getattr(tranche, method)()
            if method == "release":
                tranche.released_at = timezone.now()
            if method == "cancel":
                tranche.batch = None  # a cancelled tranche leaves its batch and the bank list
            tranche.save()
            _ledger(tranche=tranche, kind=kind, from_state=from_state, actor=actor, batch_id=batch_id, note=note)
            count += 1
    return count


def release_tranches(*, project, trigger: str, actor) -> int:
    qs = Tranche.objects.filter(project=project, trigger=trigger, state=T.PLANNED)
    return _move(qs, "release", LedgerKind.RELEASED, actor)


def withhold_tranches(*, project, trigger: str | None, actor) -> int:
    """A failed evaluation holds back the tranche it gated (or every unpaid one when trigger is None)."""
    qs = Tranche.objects.filter(project=project, state__in=TRANCHE.group("unbatched"))
    if trigger:
        qs = qs.filter(trigger=trigger)
    return _move(qs, "withhold", LedgerKind.WITHHELD, actor, note="评估不合格，暂停拨付")


def cancel_open_tranches(*, project, actor) -> int:
    qs = Tranche.objects.filter(project=project, state__in=TRANCHE.group("open"))
    return _move(qs, "cancel", LedgerKind.CANCELLED, actor, note="项目终止")


def paid_total(project) -> Decimal:
    return Payment.objects.filter(tranche__project=project).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


# ---------------------------------------------------------------- claw-backs

def record_clawback(*, project, amount: Decimal, reason: str, actor) -> Clawback:
    amount = money(amount)
    with transaction.atomic():
        paid = paid_total(project)
        if amount > paid:
            raise FinanceError(f"追回金额 {format_yuan(amount)} 元不能超过已拨付金额 {format_yuan(paid)} 元")
        clawback = Clawback.objects.create(project=project, amount=amount, reason=reason)
        LedgerEntry.objects.create(
            round_id=project.round_id, project=project, clawback=clawback, kind=LedgerKind.CLAWED_BACK,
            amount=amount, occurred_on=today(), note=reason[:200], actor=actor,
        )
    return clawback


def record_repayment(*, actor, clawback_id: int, amount, repaid_on: date, reference: str = "") -> Clawback:
    """The terminated project returns (part of) what it owes; never more than is outstanding."""
    _require_finance(actor, "登记追回款")
    try:
        amount = money(amount)
    except (ValueError, TypeError) as exc:
        raise FinanceError(str(exc)) from None
    if amount <= 0:
        raise FinanceError("退回金额必须大于0")
    with transaction.atomic():
        clawback = Clawback.objects.select_for_update(of=("self",)).select_related("project").get(pk=clawback_id)
        outstanding = clawback.amount - clawback.repaid
        if amount > outstanding:
            raise FinanceError(
                f"退回金额 {format_yuan(amount)} 元超过尚未追回的 {format_yuan(outstanding)} 元"
            )
        clawback.repaid += amount
        clawback.save(update_fields=["repaid"])
        LedgerEntry.objects.create(
            round_id=clawback.project.round_id, project=clawback.project, clawback=clawback,
            kind=LedgerKind.REPAID, amount=amount, occurred_on=repaid_on, reference=reference.strip()[:100],
            actor=actor,
        )
        log_event(project=clawback.project, actor=actor, action="clawback_repaid",
                  comment=f"收到追回款 {format_yuan(amount)} 元", data={"clawback": clawback.pk})
    return clawback


# ---------------------------------------------------------------- payments

def _pay_locked(*, actor, tranche: Tranche, batch: Batch | None, paid_on: date, bank_reference: str) -> Payment:
    """Both rows are locked by the caller, batch first (the order every batch service uses)."""
    if tranche.state == T.PAID or Payment.objects.filter(tranche=tranche).exists():
        raise FinanceError(f"{tranche.project.code} {tranche.name}已登记拨付，不能重复拨付")
    if tranche.state not in TRANCHE.get("mark_paid").source:
        raise FinanceError(f"{tranche.name}当前状态为「{T(tranche.state).label}」，不能拨付")
    if tranche.state == T.IN_BATCH:
        if batch is None or batch.pk != tranche.batch_id:
            raise FinanceError("该款项所在批次已变化，请刷新后重试")
        if batch.state != BatchState.APPROVED:
            raise FinanceError(f"拨付批次 {batch.number} 尚未审批，不能登记拨付")
    from_state = tranche.state
    tranche.mark_paid()
    tranche.failure_reason = ""
    tranche.save()
    payment = Payment.objects.create(
        tranche=tranche, amount=money(tranche.amount), paid_on=paid_on,
        bank_reference=bank_reference.strip(), recorded_by=actor,
    )
    _ledger(tranche=tranche, kind=LedgerKind.PAID, from_state=from_state, actor=actor, batch_id=tranche.batch_id,
            occurred_on=paid_on, reference=bank_reference.strip()[:100])
    log_event(
        project=tranche.project, actor=actor, action="payment",
        comment=f"{tranche.name} {format_yuan(tranche.amount)} 元已拨付", data={"tranche": tranche.seq},
    )
    if tranche.project.state == State.CONTRACTED and tranche.seq == 1:
        project_services.start_project(actor=actor, project_id=tranche.project_id, system=True)
    if batch is not None and not batch.tranches.filter(state=T.IN_BATCH).exists():
        _batch_step(batch, "close", actor, comment="批次内全部款项已拨付")
    return payment


def _lock_projects(project_ids) -> None:
    """Projects before their tranches: the order a project transition (termination, the first
    payment's automatic start) takes them, so a payment and a termination cannot deadlock."""
    ids = sorted({pk for pk in project_ids if pk})
    if ids:
        list(Project.objects.select_for_update().filter(pk__in=ids)
             .order_by("pk").values_list("pk", flat=True))


def record_payment(*, actor, tranche_id: int, paid_on: date, bank_reference: str = "") -> Payment:
    """Pays one tranche once: the row lock serializes, the one-to-one constraint is the backstop."""
    _require_finance(actor, "登记拨付")
    try:
        with transaction.atomic():
            batch_id, project_id = Tranche.objects.filter(pk=tranche_id).values_list("batch_id", "project_id").first() \
                or (None, None)
            batch = Batch.objects.select_for_update().get(pk=batch_id) if batch_id else None
            _lock_projects([project_id])
            tranche = Tranche.objects.select_for_update(of=("self",)).select_related("project").get(pk=tranche_id)
            payment = _pay_locked(actor=actor, tranche=tranche, batch=batch, paid_on=paid_on,
                                  bank_reference=bank_reference)
    except IntegrityError:
        raise FinanceError("该期资金已登记拨付，不能重复拨付") from None
    except Tranche.DoesNotExist:
        raise FinanceError("拨款计划不存在") from None
    return payment


def record_payment_failure(*, actor, tranche_id: int, reason: str, bank_reference: str = "") -> PaymentFailure:
    """The bank refused the transfer: the tranche stays in its batch, unpaid, with the bank's reason."""
    _require_finance(actor, "登记拨付失败")
    reason = (reason or "").strip()
    if not reason:
        raise FinanceError("请填写银行反馈的失败原因")
    with transaction.atomic():
        tranche = Tranche.objects.select_for_update().get(pk=tranche_id)
        if tranche.state != T.IN_BATCH:
            raise FinanceError(f"{tranche.name}当前状态为「{T(tranche.state).label}」，不能登记拨付失败")
        tranche.failure_reason = reason[:200]
        tranche.save(update_fields=["failure_reason"])
        return PaymentFailure.objects.create(tranche=tranche, batch_id=tranche.batch_id, reason=reason[:200],
                                             bank_reference=bank_reference.strip()[:100], recorded_by=actor)


@dataclass
class ResultOutcome:
    paid: int = 0
    failed: int = 0
    already_paid: int = 0
    failures: list[str] = field(default_factory=list)


def import_bank_results(*, actor, batch_id: int, rows: list[ResultRow], paid_on: date) -> ResultOutcome:
    """Applies a bank result file to a batch, all or nothing: any row that does not match the batch
    (reference, account or amount) refuses the whole file. Re-importing the same file is harmless."""
    _require_finance(actor, "导入银行回单")
    if not rows:
        raise FinanceError("回单文件中没有数据行")
    outcome = ResultOutcome()
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.state not in BATCH.group("payable"):
            raise FinanceError(f"拨付批次 {batch.number} 尚未审批，不能导入银行回单")
        _lock_projects(Tranche.objects.filter(batch=batch).values_list("project_id", flat=True))
        tranches = {
            t.reference: t for t in Tranche.objects.select_for_update(of=("self",))
            .filter(batch=batch).select_related("project__organization__host")
        }
        problems = []
        for row in rows:
            tranche = tranches.get(row.reference)
            if tranche is None:
                problems.append(f"第{row.line}行：业务参考号「{row.reference}」不属于批次 {batch.number}")
                continue
            if row.account and row.account != tranche.project.organization.payee.bank_account_no:
                problems.append(f"第{row.line}行：账号「{row.account}」与收款账号不一致")
            if row.amount != tranche.amount:
                problems.append(
                    f"第{row.line}行：金额 {format_yuan(row.amount)} 元与应付 {format_yuan(tranche.amount)} 元不一致"
                )
        if problems:
            raise FinanceError(problems)
        for row in rows:
            tranche = tranches[row.reference]
            if tranche.state == T.PAID:
                outcome.already_paid += 1
            elif row.success:
                record_payment(actor=actor, tranche_id=tranche.pk, paid_on=paid_on,
                               bank_reference=row.bank_reference or row.reference)
                outcome.paid += 1
            else:
                record_payment_failure(actor=actor, tranche_id=tranche.pk, reason=row.reason,
                                       bank_reference=row.bank_reference)
                outcome.failed += 1
                outcome.failures.append(f"{tranche.project.code} {tranche.name}：{row.reason}")
    return outcome


# ---------------------------------------------------------------- disbursement batches

# Batch events that record an action without moving the batch's state.
_NOT_TRANSITIONS = {"create", "remove"}


def _batch_step(batch: Batch, method: str, actor, *, comment: str = "") -> Batch:
    from_state = batch.state
    if method not in _NOT_TRANSITIONS:
        getattr(batch, method)()
    batch.save()
    BatchEvent.objects.create(batch=batch, actor=actor, action=method, from_state=from_state,
                              to_state=batch.state, comment=comment)
    return batch


def _locked_batch(batch_id: int) -> Batch:
    try:
        return Batch.objects.select_for_update().get(pk=batch_id)
    except Batch.DoesNotExist:
        raise FinanceError("拨付批次不存在") from None


def _require_state(batch: Batch, *states: str, action: str) -> None:
    if batch.state not in states:
        raise FinanceError(f"批次 {batch.number} 当前状态为「{BatchState(batch.state).label}」，不能{action}")


def create_batch(*, actor, round_id: int, district: str = "", domain: str = "",
                 tranche_ids: list[int] | None = None) -> Batch:
    """经办 builds a batch from the releasable tranches of a round that match the filters."""
    _require_finance(actor, "建立拨付批次")
    with transaction.atomic():
        qs = releasable_tranches(round_id=round_id, district=district, domain=domain)
        if tranche_ids is not None:
            qs = qs.filter(pk__in=tranche_ids)
        tranches = list(qs.select_for_update(of=("self",)).select_related("project"))
        if not tranches:
            raise FinanceError("没有符合条件的可拨付款项")
        batch = Batch.objects.create(number=f"tmp-{timezone.now().timestamp()}", round_id=round_id,
                                     district=district, domain=domain, prepared_by=actor)
        batch.number = f"BF{today():%Y}-{batch.pk:05d}"
        batch.save(update_fields=["number"])
        for tranche in tranches:
            tranche.add_to_batch()
            tranche.batch = batch
            tranche.failure_reason = ""
            tranche.save()
            _ledger(tranche=tranche, kind=LedgerKind.BATCHED, from_state=T.RELEASABLE, actor=actor,
                    batch_id=batch.pk, note=batch.number)
        _batch_step(batch, "create", actor, comment=f"{len(tranches)} 笔")
    return batch


def remove_from_batch(*, actor, batch_id: int, tranche_id: int) -> Batch:
    """While the batch is with its 经办, a tranche can go back to the releasable pool."""
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        if actor.pk != batch.prepared_by_id:
            raise FinanceError("只有该批次的经办人可以调整批次内容")
        _require_state(batch, BatchState.DRAFT, action="调整批次内容")
        tranche = Tranche.objects.select_for_update(of=("self",)).select_related("project").get(pk=tranche_id, batch=batch)
        tranche.remove_from_batch()
        tranche.batch = None
        tranche.save()
        _ledger(tranche=tranche, kind=LedgerKind.UNBATCHED, from_state=T.IN_BATCH, actor=actor,
                batch_id=batch.pk, note=batch.number)
        _batch_step(batch, "remove", actor, comment=f"{tranche.project.code} {tranche.name}")
    return batch


def submit_batch(*, actor, batch_id: int) -> Batch:
    _require_finance(actor, "提交拨付批次")
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        if actor.pk != batch.prepared_by_id:
            raise FinanceError("只有该批次的经办人可以提交审核")
        _require_state(batch, BatchState.DRAFT, action="提交审核")
        if not batch.tranches.exists():
            raise FinanceError("批次中没有款项，不能提交")
        batch.submitted_at = timezone.now()
        batch.rejection_reason = ""
        return _batch_step(batch, "submit", actor)


def check_batch(*, actor, batch_id: int) -> Batch:
    """审核: someone other than the 经办."""
    _require_finance(actor, "审核拨付批次")
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        _require_state(batch, BatchState.SUBMITTED, action="审核")
        problems = signoff_problems("check", actor.pk, prepared_by_id=batch.prepared_by_id)
        if problems:
            raise FinanceError(problems)
        batch.checked_by, batch.checked_at = actor, timezone.now()
        return _batch_step(batch, "mark_checked", actor)


def approve_batch(*, actor, batch_id: int) -> Batch:
    """审批: someone who neither prepared nor checked the batch."""
    _require_finance(actor, "审批拨付批次")
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        _require_state(batch, BatchState.CHECKED, action="审批")
        problems = signoff_problems("approve", actor.pk, prepared_by_id=batch.prepared_by_id,
                                    checked_by_id=batch.checked_by_id)
        if problems:
            raise FinanceError(problems)
        batch.approved_by, batch.approved_at = actor, timezone.now()
        return _batch_step(batch, "approve", actor)


def send_back_batch(*, actor, batch_id: int, reason: str) -> Batch:
    """A refused 审核 or 审批 returns the batch to its 经办 with the reason; sign-offs start over."""
    _require_finance(actor, "退回拨付批次")
    reason = (reason or "").strip()
    if not reason:
        raise FinanceError("退回拨付批次须填写理由")
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        _require_state(batch, BatchState.SUBMITTED, BatchState.CHECKED, action="退回")
        step = "check" if batch.state == BatchState.SUBMITTED else "approve"
        problems = signoff_problems(step, actor.pk, prepared_by_id=batch.prepared_by_id,
                                    checked_by_id=batch.checked_by_id)
        if problems:
            raise FinanceError(problems)
        batch.rejection_reason = reason
        batch.submitted_at = batch.checked_at = None
        batch.checked_by = None
        return _batch_step(batch, "send_back", actor, comment=reason)


def close_batch(*, actor, batch_id: int) -> Batch:
    """Ends an approved batch whose remaining transfers failed: they return to the releasable pool
    (keeping the bank's reason) so a corrected account can go into a new batch."""
    _require_finance(actor, "结束拨付批次")
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        _require_state(batch, BatchState.APPROVED, action="结束")
        unpaid = Tranche.objects.filter(batch=batch, state=T.IN_BATCH).select_related("project")
        for tranche in unpaid.select_for_update(of=("self",)):
            tranche.remove_from_batch()
            tranche.batch = None
            tranche.save()
            _ledger(tranche=tranche, kind=LedgerKind.UNBATCHED, from_state=T.IN_BATCH, actor=actor,
                    batch_id=batch.pk, note=f"{batch.number} 未成功拨付，退回待拨付")
        return _batch_step(batch, "close", actor, comment="未拨付款项退回待拨付")


# ---------------------------------------------------------------- bank file formats (configuration)

def save_bank_format(*, actor, bank_format: BankFormat) -> BankFormat:
    """One bank's batch-transfer columns, checked in full (finance.exports.bank_columns) before saving."""
    if actor is None or not actor.is_admin:
        raise FinanceError("只有系统管理员可以配置银行文件格式")
    problems = model_problems(bank_format)
    if problems:
        raise FinanceError(problems)
    with transaction.atomic():
        bank_format.save()
    return bank_format


def delete_bank_format(*, actor, bank_format_id: int) -> None:
    if actor is None or not actor.is_admin:
        raise FinanceError("只有系统管理员可以配置银行文件格式")
    with transaction.atomic():
        BankFormat.objects.filter(pk=bank_format_id).delete()
