"""Money writes: tranches, batches, payments, claw-backs. Every change is one transaction that locks
the rows it changes and appends to the money ledger, so the ledger is the audit trail and the source
of every total. Tranche services are also called inside the project's transaction when the project
changes state, so a project and its money never disagree."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Role
from core.bank import normalize_account_no
from core.calendar import today
from core.money import format_yuan, money
from core.validation import model_problems
from finance import money_cells, notifications
from finance.bank_results import ResultRow
from finance.errors import FinanceError
from finance.lines import line_from_live, missing_account
from finance.models import (
    BANK_FIELDS,
    BATCH,
    TRANCHE,
    BankDetailChange,
    BankFormat,
    Batch,
    BatchEvent,
    BatchLine,
    BatchState,
    ChangeState,
    Clawback,
    LedgerEntry,
    LedgerKind,
    LineStatus,
    Payment,
    PaymentFailure,
    Tranche,
    TrancheState,
)
from finance.reauth import confirm_password
from finance.selectors import live_rows, releasable_tranches
from finance.signoff import signoff_problems
from finance.tranche_minimum import zero_tranche_problems
from grants.models import Membership, Organization
from grants.rules.tranches import split_amount
from projects import services as project_services
from projects.models import Project
from projects.services import log_event
from projects.states import State

T = TrancheState


def _require_finance(actor, what: str) -> None:
    if not actor.has_role(Role.FINANCE):
        raise FinanceError(f"只有财务人员可以{what}")


def _ledger(*, tranche: Tranche, kind: str, from_state: str, actor, batch_id: int | None = None,
            occurred_on: date | None = None, reference: str = "", note: str = "") -> LedgerEntry:
    return money_cells.append(
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
        zero = zero_tranche_problems(project.approved_amount, template)
        if zero:  # the template changed since the decision: no 0.00 instalment is ever created
            raise FinanceError([p.message for p in zero])
        amounts = split_amount(project.approved_amount, [Decimal(str(t["percent"])) for t in template])
        tranches = Tranche.objects.bulk_create(
            Tranche(project=project, round_id=project.round_id, seq=i, name=t["name"], percent=Decimal(str(t["percent"])),
                    trigger=t["trigger"], amount=amount)
            for i, (t, amount) in enumerate(zip(template, amounts, strict=True), start=1)
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
            entry = _ledger(tranche=tranche, kind=kind, from_state=from_state, actor=actor, batch_id=batch_id, note=note)
            if tranche.state == T.RELEASABLE:  # finance hears that it can be paid
                transaction.on_commit(partial(notifications.tranche_payable, entry.pk))
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


def cancel_open_tranches(*, project, actor, reason: str = "") -> int:
    """Termination: nothing more is paid. A tranche already in an approved batch is withdrawn from
    it (its line says 撤回 and why; the frozen approved figures stay as signed), and the batch
    closes once every other line has the bank's answer."""
    with transaction.atomic():
        # Only the lines (of="self"): locking their joined batch too deadlocked with a payment of the same
        # batch, which holds the batch and waits for this project (tests/finance/test_concurrency.py).
        approved_lines = list(BatchLine.objects.select_for_update(of=("self",)).filter(
            tranche__project=project, tranche__state=T.IN_BATCH, status=LineStatus.PENDING,
            batch__state=BatchState.APPROVED))
        count = _move(Tranche.objects.filter(project=project, state__in=TRANCHE.group("open")),
                      "cancel", LedgerKind.CANCELLED, actor, note="项目终止")
        why = f"项目终止，撤回不付{('：' + reason.strip()) if (reason or '').strip() else ''}"[:200]
        for line in approved_lines:
            line.status, line.failure_reason = LineStatus.WITHDRAWN, why
            line.save(update_fields=["status", "failure_reason"])
            log_event(project=project, actor=actor, action="payment_withdrawn",
                      comment=f"{line.tranche_name} {format_yuan(line.amount)} 元已从拨付批次 {line.batch.number} 撤回：{why}",
                      data={"batch": line.batch.number, "tranche": line.tranche_id})
        batch_ids = sorted({line.batch_id for line in approved_lines})
        if batch_ids:
            # Batch rows are locked before projects elsewhere (payments), so not here: the batch
            # closes in its own transaction once this one has committed.
            transaction.on_commit(lambda: _close_withdrawn_batches(batch_ids, actor))
            transaction.on_commit(lambda: notifications.lines_withdrawn(batch_ids, project.pk, actor.pk))
    return count


def _close_withdrawn_batches(batch_ids: list[int], actor) -> None:
    for batch_id in batch_ids:
        with transaction.atomic():
            batch = _locked_batch(batch_id)
            if batch.state == BatchState.APPROVED:
                _close_if_done(batch, actor)


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
        money_cells.append(
            round_id=project.round_id, project=project, clawback=clawback, kind=LedgerKind.CLAWED_BACK,
            amount=amount, occurred_on=today(), note=reason[:200], actor=actor,
        )
    return clawback


def record_repayment(*, actor, clawback_id: int, amount, repaid_on: date, reference: str = "") -> Clawback:
    """The terminated project returns (part of) what it owes; never more than is outstanding."""
    _require_finance(actor, "登记追回款")
    _check_bank_date(repaid_on, "退回日期")
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
        money_cells.append(
            round_id=clawback.project.round_id, project=clawback.project, clawback=clawback,
            kind=LedgerKind.REPAID, amount=amount, occurred_on=repaid_on, reference=reference.strip()[:100],
            actor=actor,
        )
        log_event(project=clawback.project, actor=actor, action="clawback_repaid",
                  comment=f"收到追回款 {format_yuan(amount)} 元", data={"clawback": clawback.pk})
    return clawback


# ---------------------------------------------------------------- payments
# Money leaves only through an approved batch: a payment or a failure is recorded against the
# batch's frozen line (amount and account as approved), never against a loose tranche.

# A bank date further back than this is a typing error (a year of 0202), not a late result.
OLDEST_PAYMENT_YEARS = 3


def _check_bank_date(day: date, what: str = "付款日期") -> None:
    """Money cannot move on a day that has not come yet (in Shanghai), nor years before the system."""
    if not isinstance(day, date):
        raise FinanceError(f"请填写{what}")
    current = today()
    if day > current:
        raise FinanceError(f"{what}不能晚于今天（{current.isoformat()}）")
    if day < current.replace(year=current.year - OLDEST_PAYMENT_YEARS, day=min(current.day, 28)):
        raise FinanceError(f"{what}不能早于{OLDEST_PAYMENT_YEARS}年前，请核对")


def _locked_line(*, tranche: Tranche, batch: Batch | None, action: str) -> BatchLine:
    """The approved, still unresolved line of `tranche` in `batch` (both locked by the caller)."""
    if tranche.state == T.PAID or Payment.objects.filter(tranche=tranche).exists():
        raise FinanceError(f"{tranche.project.code} {tranche.name}已登记拨付，不能重复拨付")
    if tranche.state != T.IN_BATCH:
        raise FinanceError(
            f"{tranche.project.code} {tranche.name}当前状态为「{T(tranche.state).label}」，不在拨付批次中，不能拨付："
            "款项须编入拨付批次，经审核、审批后方可拨付"
        )
    if batch is None or batch.pk != tranche.batch_id:
        raise FinanceError("该款项所在批次已变化，请刷新后重试")
    if batch.state != BatchState.APPROVED:
        raise FinanceError(f"拨付批次 {batch.number} 尚未审批，不能{action}")
    line = BatchLine.objects.select_for_update().filter(batch=batch, tranche=tranche).first()
    if line is None or line.status != LineStatus.PENDING:
        raise FinanceError(f"{tranche.project.code} {tranche.name}在批次 {batch.number} 中已有结果，不能重复{action}")
    if line.amount != tranche.amount:
        raise FinanceError(
            f"{tranche.project.code} {tranche.name}应付金额已变为 {format_yuan(tranche.amount)} 元，"
            f"与批次审批的 {format_yuan(line.amount)} 元不一致，不能{action}"
        )
    return line


def _close_if_done(batch: Batch, actor) -> None:
    if not batch.lines.filter(status=LineStatus.PENDING).exists():
        _batch_step(batch, "close", actor, comment="批次内全部款项已有银行结果")


def _pay_locked(*, actor, tranche: Tranche, batch: Batch | None, paid_on: date, bank_reference: str) -> Payment:
    """The batch, the project and the tranche are locked by the caller, in that order."""
    line = _locked_line(tranche=tranche, batch=batch, action="登记拨付")
    reference = bank_reference.strip()
    tranche.mark_paid()
    tranche.failure_reason = ""
    tranche.save()
    payment = Payment.objects.create(tranche=tranche, amount=line.amount, paid_on=paid_on,
                                     bank_reference=reference, recorded_by=actor)
    line.status, line.paid_on, line.bank_reference = LineStatus.PAID, paid_on, reference[:100]
    line.save(update_fields=["status", "paid_on", "bank_reference"])
    _ledger(tranche=tranche, kind=LedgerKind.PAID, from_state=T.IN_BATCH, actor=actor, batch_id=batch.pk,
            occurred_on=paid_on, reference=reference[:100])
    log_event(
        project=tranche.project, actor=actor, action="payment",
        comment=f"{tranche.name} {format_yuan(tranche.amount)} 元已拨付", data={"tranche": tranche.seq},
    )
    if tranche.project.state == State.CONTRACTED and tranche.seq == 1:
        project_services.start_project(actor=actor, project_id=tranche.project_id, system=True)
    _close_if_done(batch, actor)
    return payment


def _fail_locked(*, actor, tranche: Tranche, batch: Batch | None, reason: str, bank_reference: str) -> PaymentFailure:
    """退汇: the line stays in the batch as failed with the bank's reason; the tranche leaves the batch
    and waits, releasable but blocked, until the payee's corrected account is approved."""
    line = _locked_line(tranche=tranche, batch=batch, action="登记拨付失败")
    line.status, line.failure_reason = LineStatus.FAILED, reason[:200]
    line.save(update_fields=["status", "failure_reason"])
    failure = PaymentFailure.objects.create(tranche=tranche, batch=batch, reason=reason[:200],
                                            bank_reference=bank_reference.strip()[:100], recorded_by=actor)
    tranche.remove_from_batch()
    tranche.batch = None
    tranche.failure_reason = reason[:200]
    tranche.save()
    _ledger(tranche=tranche, kind=LedgerKind.UNBATCHED, from_state=T.IN_BATCH, actor=actor, batch_id=batch.pk,
            note=f"{batch.number} 银行退汇：{reason}"[:200])
    log_event(project=tranche.project, actor=actor, action="payment_failed",
              comment=f"{tranche.name}拨付失败（{reason}），请更新收款账户",
              data={"tranche": tranche.seq, "batch": batch.number, "reason": reason})
    transaction.on_commit(lambda: notifications.transfer_failed(failure.pk))
    _close_if_done(batch, actor)
    return failure


def _lock_projects(project_ids) -> None:
    """Projects before their tranches: the order a project transition (termination, the first
    payment's automatic start) takes them, so a payment and a termination cannot deadlock."""
    ids = sorted({pk for pk in project_ids if pk})
    if ids:
        list(Project.objects.select_for_update().filter(pk__in=ids)
             .order_by("pk").values_list("pk", flat=True))


def _with_locked_tranche(tranche_id: int, act):
    """Locks batch, project and tranche in the order every money service uses, then acts."""
    batch_id, project_id = Tranche.objects.filter(pk=tranche_id).values_list("batch_id", "project_id").first() \
        or (None, None)
    if project_id is None:
        raise FinanceError("拨款计划不存在")
    # FOR NO KEY UPDATE: batch services still wait for each other, but a ledger entry or line that
    # points at the batch (its foreign-key check takes KEY SHARE) does not wait: a termination
    # withdrawing this project's tranche from the batch holds the project this payment waits for.
    batch = Batch.objects.select_for_update(no_key=True).get(pk=batch_id) if batch_id else None
    _lock_projects([project_id])
    tranche = Tranche.objects.select_for_update(of=("self",)).select_related("project").get(pk=tranche_id)
    return act(tranche, batch)


def record_payment(*, actor, tranche_id: int, paid_on: date, bank_reference: str = "") -> Payment:
    """Pays one tranche of an approved batch, once: the row locks serialize, the one-to-one
    constraint is the backstop."""
    _require_finance(actor, "登记拨付")
    _check_bank_date(paid_on)
    try:
        with transaction.atomic():
            return _with_locked_tranche(tranche_id, lambda tranche, batch: _pay_locked(
                actor=actor, tranche=tranche, batch=batch, paid_on=paid_on, bank_reference=bank_reference))
    except IntegrityError:
        raise FinanceError("该期资金已登记拨付，不能重复拨付") from None


def record_payment_failure(*, actor, tranche_id: int, reason: str, bank_reference: str = "") -> PaymentFailure:
    """The bank returned the transfer of an approved batch (退汇), with its reason."""
    _require_finance(actor, "登记拨付失败")
    reason = (reason or "").strip()
    if not reason:
        raise FinanceError("请填写银行反馈的失败原因")
    with transaction.atomic():
        return _with_locked_tranche(tranche_id, lambda tranche, batch: _fail_locked(
            actor=actor, tranche=tranche, batch=batch, reason=reason, bank_reference=bank_reference))


def requeue_returned_transfer(*, actor, tranche_id: int, reason: str) -> Tranche:
    """The bank returned a transfer for a reason of its own (a system fault, a limit, a holiday
    cut-off) and finance has checked that the payee's account is right: the tranche may go into a
    new batch without a bank-detail change. The bank's reason and this decision stay on the
    project's record (audit row) and the payee is told."""
    _require_finance(actor, "将退汇款项重新编入拨付")
    reason = (reason or "").strip()
    if not reason:
        raise FinanceError("请说明为何无需变更收款账户即可重新拨付（例如银行系统原因退汇，账户经核实无误）")
    with transaction.atomic():
        project_id = Tranche.objects.filter(pk=tranche_id).values_list("project_id", flat=True).first()
        if project_id is None:
            raise FinanceError("拨款计划不存在")
        _lock_projects([project_id])
        tranche = Tranche.objects.select_for_update(of=("self",)).select_related("project").get(pk=tranche_id)
        if tranche.state != T.RELEASABLE or not tranche.failure_reason:
            raise FinanceError(f"{tranche.project.code} {tranche.name}不是等待处理的退汇款项")
        if BankDetailChange.objects.filter(state=ChangeState.PENDING, organization=tranche.project.organization.payee).exists():
            raise FinanceError("该收款单位有一份收款账户变更申请待审核，请先处理该申请")
        bank_reason, tranche.failure_reason = tranche.failure_reason, ""
        tranche.save(update_fields=["failure_reason"])
        log_event(project=tranche.project, actor=actor, action="payment_requeued",
                  comment=f"{tranche.name}（{format_yuan(tranche.amount)} 元）银行退汇原因「{bank_reason}」，"
                          f"经财务核实收款账户无误，将编入新的拨付批次重新拨付：{reason[:500]}",
                  data={"tranche": tranche.seq, "bank_reason": bank_reason, "reason": reason[:500]})
        transaction.on_commit(lambda: notifications.transfer_requeued(tranche.pk, actor.pk, bank_reason, reason))
    return tranche


@dataclass
class ResultOutcome:
    paid: int = 0
    failed: int = 0
    already_paid: int = 0
    failures: list[str] = field(default_factory=list)


def import_bank_results(*, actor, batch_id: int, rows: list[ResultRow], paid_on: date) -> ResultOutcome:
    """Applies a bank result file to an approved batch, all or nothing: a row that does not match the
    batch's frozen lines (reference, account or amount as approved) refuses the whole file.
    Re-importing the same file is harmless."""
    _require_finance(actor, "导入银行回单")
    _check_bank_date(paid_on)
    if not rows:
        raise FinanceError("回单文件中没有数据行")
    outcome = ResultOutcome()
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        if batch.state not in BATCH.group("payable"):
            raise FinanceError(f"拨付批次 {batch.number} 尚未审批，不能导入银行回单")
        lines = {line.reference: line for line in batch.lines.all()}
        _lock_projects(Tranche.objects.filter(pk__in=[ln.tranche_id for ln in lines.values()])
                       .values_list("project_id", flat=True))
        tranches = {
            t.pk: t for t in Tranche.objects.select_for_update(of=("self",))
            .filter(pk__in=[ln.tranche_id for ln in lines.values()]).select_related("project")
        }
        problems = []
        for row in rows:
            line = lines.get(row.reference)
            if line is None:
                problems.append(f"第{row.line}行：业务参考号「{row.reference}」不属于批次 {batch.number}")
                continue
            if row.account and row.account != line.account_no:
                problems.append(f"第{row.line}行：账号「{row.account}」与批次审批的收款账号不一致")
            if row.amount != line.amount:
                problems.append(
                    f"第{row.line}行：金额 {format_yuan(row.amount)} 元与批次审批的 {format_yuan(line.amount)} 元不一致"
                )
        if problems:
            raise FinanceError(problems)
        for row in rows:
            line = lines[row.reference]
            line.refresh_from_db(fields=["status"])
            tranche = tranches[line.tranche_id]
            if line.status == LineStatus.WITHDRAWN and row.success:
                # Withdrawn at termination, yet the bank paid it: the money has left; tell finance.
                outcome.failures.append(f"{tranche.project.code} {tranche.name}：已因项目终止撤回，但银行回单显示已付款，"
                                        "请与银行核实，如确已付款请登记追回")
            elif line.status != LineStatus.PENDING:
                outcome.already_paid += 1
            elif row.success:
                _pay_locked(actor=actor, tranche=tranche, batch=batch, paid_on=paid_on,
                            bank_reference=row.bank_reference or row.reference)
                outcome.paid += 1
            else:
                _fail_locked(actor=actor, tranche=tranche, batch=batch, reason=row.reason,
                             bank_reference=row.bank_reference)
                outcome.failed += 1
                outcome.failures.append(f"{tranche.project.code} {tranche.name}：{row.reason}")
    return outcome


# ---------------------------------------------------------------- disbursement batches

# Batch events that record an action without moving the batch's state.
_NOT_TRANSITIONS = {"create", "remove"}
# Steps whose next signer is told (finance.notifications.batch_step).
_NOTIFIED = {"submit", "mark_checked", "approve", "send_back"}


def _batch_step(batch: Batch, method: str, actor, *, comment: str = "") -> Batch:
    from_state = batch.state
    if method not in _NOT_TRANSITIONS:
        getattr(batch, method)()
    batch.save()
    event = BatchEvent.objects.create(batch=batch, actor=actor, action=method, from_state=from_state,
                                      to_state=batch.state, comment=comment)
    if method in _NOTIFIED:
        transaction.on_commit(lambda: notifications.batch_step(event.pk))
    return batch


def _locked_batch(batch_id: int) -> Batch:
    try:
        return Batch.objects.select_for_update(no_key=True).get(pk=batch_id)  # see _with_locked_tranche
    except Batch.DoesNotExist:
        raise FinanceError("拨付批次不存在") from None


def _require_state(batch: Batch, *states: str, action: str) -> None:
    if batch.state not in states:
        raise FinanceError(f"批次 {batch.number} 当前状态为「{BatchState(batch.state).label}」，不能{action}")


def _comment(text: str) -> str:
    return (text or "").strip()[:1000]


def create_batch(*, actor, round_id: int, district: str = "", domain: str = "",
                 tranche_ids: list[int] | None = None, comment: str = "") -> Batch:
    """经办 builds a batch from the releasable tranches of a round that match the filters."""
    _require_finance(actor, "建立拨付批次")
    with transaction.atomic():
        if tranche_ids:
            zero = (Tranche.objects.filter(pk__in=tranche_ids, amount__lte=0).select_related("project")
                    .order_by("project__code", "seq"))
            if zero:
                raise FinanceError([f"{t.project.code} {t.name}金额为 0.00 元，不能编入拨付批次" for t in zero])
            blocked = (Tranche.objects.filter(pk__in=tranche_ids, state=T.RELEASABLE).exclude(failure_reason="")
                       .select_related("project").order_by("project__code", "seq"))
            if blocked:
                raise FinanceError([f"{t.project.code} {t.name}曾被银行退回（{t.failure_reason}），"
                                    "须待收款账户变更获批后再编入批次" for t in blocked])
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
            tranche.save()
            _ledger(tranche=tranche, kind=LedgerKind.BATCHED, from_state=T.RELEASABLE, actor=actor,
                    batch_id=batch.pk, note=batch.number)
        note = f"{len(tranches)} 笔" + (f"；{_comment(comment)}" if _comment(comment) else "")
        _batch_step(batch, "create", actor, comment=note)
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


def submit_batch(*, actor, batch_id: int, comment: str = "") -> Batch:
    """经办 hands the batch to 审核, with an optional note for the checker."""
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
        return _batch_step(batch, "submit", actor, comment=_comment(comment))


def check_batch(*, actor, batch_id: int, comment: str = "") -> Batch:
    """审核: someone other than the 经办."""
    _require_finance(actor, "审核拨付批次")
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        _require_state(batch, BatchState.SUBMITTED, action="审核")
        problems = signoff_problems("check", actor.pk, prepared_by_id=batch.prepared_by_id)
        if problems:
            raise FinanceError(problems)
        batch.checked_by, batch.checked_at = actor, timezone.now()
        return _batch_step(batch, "mark_checked", actor, comment=_comment(comment))


def _freeze(batch: Batch) -> list[BatchLine]:
    """The batch's rows as approved: amount and payee account copied from today's data, numbered."""
    rows = [line_from_live(row, seq) for seq, row in enumerate(live_rows(batch), start=1)]
    problems = []
    for row in rows:
        if row["amount"] <= 0:
            problems.append(f"{row['project_code']} {row['tranche_name']}金额为 0.00 元，不能拨付")
        missing = missing_account(row)
        if missing:
            problems.append(f"{row['project_code']} {row['payee_name']}收款账户不完整（缺少{'、'.join(missing)}），"
                            "请退回经办人移出该笔款项")
    if problems:
        raise FinanceError(problems)
    return BatchLine.objects.bulk_create(BatchLine(batch=batch, **row) for row in rows)


def approve_batch(*, actor, batch_id: int, password: str, comment: str = "") -> Batch:
    """审批: someone who neither prepared nor checked the batch, within their approval limit, who
    confirms with their password. Freezes the lines, count and total the signatures cover."""
    _require_finance(actor, "审批拨付批次")
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        _require_state(batch, BatchState.CHECKED, action="审批")
        problems = signoff_problems("approve", actor.pk, prepared_by_id=batch.prepared_by_id,
                                    checked_by_id=batch.checked_by_id)
        if problems:
            raise FinanceError(problems)
        list(Tranche.objects.select_for_update(of=("self",)).filter(batch=batch).values_list("pk", flat=True))
        total = Tranche.objects.filter(batch=batch).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
        limit = actor.approval_limit
        if limit is not None and total > limit:
            raise FinanceError(
                f"本批次合计 {format_yuan(total)} 元，超过您的审批权限 {format_yuan(limit)} 元；"
                "请由审批权限足够的财务人员审批"
            )
        confirm_password(actor, password)
        lines = _freeze(batch)
        batch.approved_count, batch.approved_total = len(lines), money(sum((ln.amount for ln in lines), Decimal(0)))
        batch.approved_by, batch.approved_at = actor, timezone.now()
        return _batch_step(batch, "approve", actor, comment=_comment(comment))


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
    """Ends an approved batch once the bank has answered for every line (paid or returned). It
    closes by itself when the last answer is recorded; this is the explicit form of the same."""
    _require_finance(actor, "结束拨付批次")
    with transaction.atomic():
        batch = _locked_batch(batch_id)
        _require_state(batch, BatchState.APPROVED, action="结束")
        pending = batch.lines.filter(status=LineStatus.PENDING).count()
        if pending:
            raise FinanceError(f"批次中还有 {pending} 笔款项没有银行结果，请先登记拨付或退汇")
        return _batch_step(batch, "close", actor, comment="批次内全部款项已有银行结果")


# ---------------------------------------------------------------- bank-detail changes

def _payee_has_signed(organization: Organization) -> bool:
    return Project.objects.filter(Q(organization=organization) | Q(organization__host=organization),
                                  signed_at__isnull=False).exists()


def request_bank_detail_change(*, actor, organization_id: int, bank_account_name: str, bank_name: str,
                               bank_account_no: str, bank_code: str, reason: str) -> BankDetailChange:
    """A member asks to be paid into another account; finance decides (decide_bank_detail_change)."""
    if not Membership.objects.filter(user=actor, organization_id=organization_id).exists() or not actor.is_active:
        raise FinanceError("只有本机构的成员可以申请变更收款账户")
    with transaction.atomic():
        org = Organization.objects.select_for_update(of=("self",)).select_related("host").get(pk=organization_id)
        if org.payee.pk != org.pk:
            raise FinanceError(f"备案社区社会组织由依托单位「{org.payee.name}」收款，请由依托单位申请变更收款账户")
        if BankDetailChange.objects.filter(organization=org, state=ChangeState.PENDING).exists():
            raise FinanceError("已有一份收款账户变更申请在审核中，请等待审核结果")
        after = {"bank_account_name": (bank_account_name or "").strip(), "bank_name": (bank_name or "").strip(),
                 "bank_account_no": normalize_account_no(bank_account_no), "bank_code": (bank_code or "").strip()}
        problems = [] if (reason or "").strip() else ["请说明变更收款账户的原因"]
        labels = {"bank_account_name": "户名", "bank_name": "开户行", "bank_account_no": "账号", "bank_code": "联行号"}
        problems += [f"请填写{labels[k]}" for k, v in after.items() if not v]
        before = {f: getattr(org, f) for f in BANK_FIELDS}
        if after == before:
            problems.append("新的收款账户与现有账户相同，无需变更")
        elif all(after.values()):
            candidate = Organization(**{**{f.attname: getattr(org, f.attname) for f in org._meta.concrete_fields},
                                        **after})
            problems += model_problems(candidate, exclude=[f.name for f in org._meta.fields if f.name not in BANK_FIELDS])
        if problems:
            raise FinanceError(problems)
        change = BankDetailChange.objects.create(organization=org, before=before, reason=reason.strip(),
                                                 requested_by=actor, **after)
        transaction.on_commit(lambda: notifications.bank_change_requested(change.pk))
    return change


def decide_bank_detail_change(*, actor, change_id: int, approve: bool, comment: str = "") -> BankDetailChange:
    """Finance approves (the organization's account changes, audited before/after on each of its
    signed projects, and transfers the bank returned may go into a new batch) or rejects with a reason."""
    _require_finance(actor, "审核收款账户变更")
    comment = _comment(comment)
    if not approve and not comment:
        raise FinanceError("驳回收款账户变更须填写理由")
    with transaction.atomic():
        change = BankDetailChange.objects.select_for_update().filter(pk=change_id).first()
        if change is None:
            raise FinanceError("收款账户变更申请不存在")
        if change.state != ChangeState.PENDING:
            raise FinanceError("该申请已处理")
        org = Organization.objects.select_for_update().get(pk=change.organization_id)
        change.state = ChangeState.APPROVED if approve else ChangeState.REJECTED
        change.decided_by, change.decided_at, change.decision_comment = actor, timezone.now(), comment
        change.save()
        if approve:
            for name, value in change.after.items():
                setattr(org, name, value)
            org.save(update_fields=list(BANK_FIELDS))
            _audit_bank_change(change, org, actor)
            waiting = Tranche.objects.filter(Q(project__organization=org) | Q(project__organization__host=org),
                                             state=T.RELEASABLE).exclude(failure_reason="")
            waiting.update(failure_reason="")
        transaction.on_commit(lambda: notifications.bank_change_decided(change.pk))
    return change


def _audit_bank_change(change: BankDetailChange, org: Organization, actor) -> None:
    def describe(values: dict) -> str:
        return f"{values['bank_account_name']} {values['bank_name']} {values['bank_account_no']}（联行号 {values['bank_code']}）"

    projects = Project.objects.filter(Q(organization=org) | Q(organization__host=org), signed_at__isnull=False)
    for project in projects:
        log_event(project=project, actor=actor, action="bank_details_changed",
                  comment=f"收款账户变更：{describe(change.before)} → {describe(change.after)}",
                  data={"change": change.pk, "before": change.before, "after": change.after})


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
