"""Who hears about money: the next signer of a batch (for 审批, only those whose approval limit covers
it), finance when a tranche becomes payable, and both sides of a failed transfer.

Runs from transaction.on_commit (finance.services), outside the transaction that made the change, so
nobody is told about a step that was rolled back; a failure here is logged, never shown to the
person who acted.
"""
from __future__ import annotations

import logging
from decimal import Decimal

from django.db.models import Q, Sum
from django.urls import reverse

from accounts.models import NotificationKind, Role, User
from accounts.services import notify
from core.money import format_yuan
from finance.models import BankDetailChange, Batch, BatchEvent, BatchState, LedgerEntry, PaymentFailure, Tranche
from grants.models import Membership

log = logging.getLogger(__name__)


def _finance_staff():
    return User.objects.filter(role=Role.FINANCE, is_active=True)


def _members(organization_id: int):
    return User.objects.filter(pk__in=Membership.objects.filter(organization_id=organization_id).values("user_id"),
                               is_active=True)


def _safely(what: str, function, *args) -> None:
    try:
        function(*args)
    except Exception:
        log.exception("finance notification (%s) failed", what)


def batch_step(event_id: int) -> None:
    _safely("batch step", _batch_step, event_id)


def _batch_step(event_id: int) -> None:
    event = BatchEvent.objects.select_related("batch", "actor").filter(pk=event_id).first()
    if event is None:
        return
    batch: Batch = event.batch
    url = reverse("finance:batch_detail", args=[batch.pk])
    signed = {batch.prepared_by_id, batch.checked_by_id}
    comment = f"（意见：{event.comment}）" if event.comment else ""
    if batch.state == BatchState.SUBMITTED:
        people, text = _finance_staff().exclude(pk__in=signed - {None}), f"拨付批次 {batch.number} 待审核{comment}"
    elif batch.state == BatchState.CHECKED:
        people, text = approvers(batch), f"拨付批次 {batch.number} 已审核，待审批{comment}"
    elif batch.state == BatchState.APPROVED:
        people, text = User.objects.filter(pk=batch.prepared_by_id), f"拨付批次 {batch.number} 已审批，可导出银行文件{comment}"
    elif event.action == "send_back":
        people, text = User.objects.filter(pk=batch.prepared_by_id), f"拨付批次 {batch.number} 被退回：{event.comment}"
    else:
        return
    notify(actor=event.actor, recipients=list(people), text=text, url=url, key=f"batch-event:{event.pk}",
           kind=NotificationKind.BATCH_STEP)


def approvers(batch: Batch):
    """Who may take the 审批 step: finance staff who neither prepared nor checked the batch and whose
    approval limit covers its total (finance.services.approve_batch's rule)."""
    total = Tranche.objects.filter(batch=batch).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    signed = {batch.prepared_by_id, batch.checked_by_id} - {None}
    return (_finance_staff().exclude(pk__in=signed)
            .filter(Q(approval_limit__isnull=True) | Q(approval_limit__gte=total)))


def tranche_payable(entry_id: int) -> None:
    _safely("tranche payable", _tranche_payable, entry_id)


def _tranche_payable(entry_id: int) -> None:
    entry = LedgerEntry.objects.select_related("tranche__project", "actor").filter(pk=entry_id).first()
    if entry is None or entry.tranche is None:
        return
    tranche, project = entry.tranche, entry.tranche.project
    notify(actor=None, recipients=list(_finance_staff()), project=project,
           text=f"{project.code} {project.title}：{tranche.name} {format_yuan(tranche.amount)} 元可以拨付，待编入拨付批次",
           url=reverse("finance:home"), key=f"ledger:{entry.pk}:payable", kind=NotificationKind.TRANCHE_PAYABLE)


def transfer_failed(failure_id: int) -> None:
    _safely("failed transfer", _transfer_failed, failure_id)


def _transfer_failed(failure_id: int) -> None:
    failure = (PaymentFailure.objects.select_related("tranche__project__organization", "batch", "recorded_by")
               .filter(pk=failure_id).first())
    if failure is None:
        return
    project = failure.tranche.project
    tranche = failure.tranche
    notify(actor=failure.recorded_by, recipients=list(_members(project.organization_id)), project=project,
           text=f"{project.title}：{tranche.name}拨付失败（{failure.reason}），请更新收款账户",
           url=reverse("applicant:bank_details"), key=f"payment-failure:{failure.pk}", kind=NotificationKind.TRANSFER_FAILED)
    notify(actor=failure.recorded_by, recipients=list(_finance_staff()), project=project,
           text=f"{project.code} {tranche.name}拨付失败（{failure.reason}），待机构更新收款账户",
           url=reverse("finance:batch_detail", args=[failure.batch_id]) if failure.batch_id else "",
           key=f"payment-failure:{failure.pk}", kind=NotificationKind.TRANSFER_FAILED)


def lines_withdrawn(batch_ids: list[int], project_id: int, actor_id: int) -> None:
    _safely("lines withdrawn", _lines_withdrawn, batch_ids, project_id, actor_id)


def _lines_withdrawn(batch_ids: list[int], project_id: int, actor_id: int) -> None:
    actor = User.objects.filter(pk=actor_id).first()
    for batch in Batch.objects.filter(pk__in=batch_ids):
        line = batch.lines.filter(tranche__project_id=project_id).select_related("tranche__project").first()
        if line is None:
            continue
        project = line.tranche.project
        notify(actor=actor, recipients=list(_finance_staff()), project=project,
               text=f"{project.code} 已终止：拨付批次 {batch.number} 中的{line.tranche_name}已撤回，不再拨付；"
                    "如银行文件已提交银行，请向银行撤回该笔转账",
               url=reverse("finance:batch_detail", args=[batch.pk]), key=f"withdrawn:{batch.pk}:{project_id}")


def transfer_requeued(tranche_id: int, actor_id: int, bank_reason: str, reason: str) -> None:
    _safely("transfer requeued", _transfer_requeued, tranche_id, actor_id, bank_reason, reason)


def _transfer_requeued(tranche_id: int, actor_id: int, bank_reason: str, reason: str) -> None:
    tranche = Tranche.objects.select_related("project").filter(pk=tranche_id).first()
    if tranche is None:
        return
    project = tranche.project
    notify(actor=User.objects.filter(pk=actor_id).first(), recipients=list(_members(project.organization_id)),
           project=project, text=f"{project.title}：{tranche.name}曾被银行退回（{bank_reason}），经财务核实收款账户无误，"
                                 f"将重新拨付，无需变更账户（{reason}）",
           url=reverse("applicant:project", args=[project.pk]), key=f"payment-requeued:{tranche.pk}:{tranche.batch_lines.count()}")


def bank_change_requested(change_id: int) -> None:
    _safely("bank change requested", _bank_change_requested, change_id)


def _bank_change_requested(change_id: int) -> None:
    change = BankDetailChange.objects.select_related("organization", "requested_by").filter(pk=change_id).first()
    if change is None:
        return
    notify(actor=change.requested_by, recipients=list(_finance_staff()),
           text=f"{change.organization.name} 申请变更收款账户，待审核",
           url=reverse("finance:bank_change", args=[change.pk]), key=f"bank-change:{change.pk}",
           kind=NotificationKind.BANK_DETAILS)


def bank_change_decided(change_id: int) -> None:
    _safely("bank change decided", _bank_change_decided, change_id)


def _bank_change_decided(change_id: int) -> None:
    change = BankDetailChange.objects.select_related("organization", "decided_by").filter(pk=change_id).first()
    if change is None:
        return
    verdict = "已批准" if change.state == "approved" else f"未获批准（{change.decision_comment}）"
    notify(actor=change.decided_by, recipients=list(_members(change.organization_id)), text=f"收款账户变更申请{verdict}",
           url=reverse("applicant:bank_details"), key=f"bank-change-decided:{change.pk}",
           kind=NotificationKind.BANK_DETAILS)
