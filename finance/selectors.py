"""Finance reads: who may see money pages, and every total, computed from the ledger.

Finance pages are for finance officers and admins; anyone else gets 404, the same answer as for a
batch that does not exist.
"""
from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import Role
from finance.ledger import STATES, Totals, group_totals, totals_from_sums
from finance.lines import LINE_FIELDS, LIVE_FIELDS, line_from_live
from finance.models import (
    BATCH,
    BankDetailChange,
    Batch,
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
from grants.models import MONEY, GrantRound
from projects.models import Settlement

ZERO = Value(Decimal("0.00"), output_field=DecimalField(**MONEY))


def is_finance(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.FINANCE)


def require_finance(user) -> None:
    if not is_finance(user):
        raise Http404


def _get(qs: QuerySet, user, pk):
    require_finance(user)
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_batch_for(user, pk) -> Batch:
    qs = Batch.objects.select_related("round", "prepared_by", "checked_by", "approved_by")
    return _get(qs, user, pk)


def get_tranche_for(user, pk) -> Tranche:
    return _get(Tranche.objects.select_related("project", "batch"), user, pk)


def get_clawback_for(user, pk) -> Clawback:
    return _get(Clawback.objects.select_related("project"), user, pk)


def rounds_for(user) -> list[GrantRound]:
    require_finance(user)
    return list(GrantRound.objects.order_by("-year", "-apply_start", "-pk"))


# ---------------------------------------------------------------- ledger totals

def _sum(condition: Q):
    return Coalesce(Sum("amount", filter=condition), ZERO)


def ledger_aggregates() -> dict:
    """Ledger sums per group: in_/out_<state>, approved, clawed_back, repaid (finance.ledger)."""
    aggregates = {
        "approved": _sum(Q(kind=LedgerKind.APPROVED)),
        "clawed_back": _sum(Q(kind=LedgerKind.CLAWED_BACK)),
        "repaid": _sum(Q(kind=LedgerKind.REPAID)),
    }
    for state in STATES:
        aggregates[f"in_{state}"] = _sum(Q(to_state=state) & Q(tranche__isnull=False))
        aggregates[f"out_{state}"] = _sum(Q(from_state=state) & Q(tranche__isnull=False))
    return aggregates


def round_totals(round: GrantRound) -> Totals:
    sums = LedgerEntry.objects.filter(round=round).aggregate(**ledger_aggregates())
    return totals_from_sums(sums, pot=round.pot)


def totals_by(round: GrantRound, dimension: str) -> list[tuple[str, Totals]]:
    """Totals per service domain ("domain") or per service district ("district"), one query."""
    key = {"domain": "project__domain", "district": "project__service_district"}[dimension]
    rows = (LedgerEntry.objects.filter(round=round).values(key).annotate(**ledger_aggregates())
            .order_by(key))
    return group_totals(rows, key)


def tranche_state_sums(round: GrantRound) -> dict[str, Decimal]:
    """The tranche table's own view of the same balances, to prove the ledger reconciles: summed from
    the tranche rows themselves (not from the stored money cells), read from the (round, state) index."""
    rows = Tranche.objects.filter(round=round).values("state").annotate(s=Sum("amount")).order_by()
    return {row["state"]: row["s"] for row in rows}


def ledger_entries(round: GrantRound) -> QuerySet[LedgerEntry]:
    return (LedgerEntry.objects.filter(round=round)
            .select_related("project", "tranche", "batch", "actor").order_by("-pk"))


# ---------------------------------------------------------------- batches

def releasable_tranches(*, round_id, district: str = "", domain: str = "") -> QuerySet[Tranche]:
    """What may go into a new batch: releasable, not nothing (a 0.00 tranche is no transfer), and not
    waiting for a corrected account after the bank returned it."""
    qs = Tranche.objects.filter(state=TrancheState.RELEASABLE, project__round_id=round_id, amount__gt=0,
                                failure_reason="")
    if district:
        qs = qs.filter(project__service_district=district)
    if domain:
        qs = qs.filter(project__domain=domain)
    return qs.order_by("project__code", "seq")


def releasable_summary(qs: QuerySet[Tranche]) -> dict:
    return qs.aggregate(count=Count("pk"), total=Coalesce(Sum("amount"), ZERO))


def awaiting_account(*, round_id) -> QuerySet[Tranche]:
    """Releasable tranches the bank returned, waiting for the payee's corrected account."""
    return (Tranche.objects.filter(state=TrancheState.RELEASABLE, project__round_id=round_id)
            .exclude(failure_reason="").select_related("project__organization").order_by("project__code", "seq"))


def _lines(status: str | None = None):
    qs = BatchLine.objects.filter(batch=OuterRef("pk"))
    if status:
        qs = qs.filter(status=status)
    return qs.values("batch").order_by()


def _line_count(status: str):
    return Coalesce(Subquery(_lines(status).annotate(c=Count("pk")).values("c"),
                             output_field=IntegerField()), 0)


def _line_total(status: str):
    return Coalesce(Subquery(_lines(status).annotate(s=Sum("amount")).values("s"),
                             output_field=DecimalField(**MONEY)), ZERO)


def batch_figures() -> dict:
    """Per batch: what it holds (the frozen figures once approved; before that, from the ledger:
    what went in, less what came out) and, once approved, what was paid and what the bank returned.
    Subqueries, so the figures never multiply each other's rows."""
    into = LedgerEntry.objects.filter(batch=OuterRef("pk"), kind=LedgerKind.BATCHED)
    out = LedgerEntry.objects.filter(batch=OuterRef("pk"), kind__in=[LedgerKind.UNBATCHED, LedgerKind.CANCELLED])

    def ledger_count(qs):
        return Coalesce(Subquery(qs.values("batch").order_by().annotate(c=Count("pk")).values("c"),
                                 output_field=IntegerField()), 0)

    def ledger_total(qs):
        return Coalesce(Subquery(qs.values("batch").order_by().annotate(s=Sum("amount")).values("s"),
                                 output_field=DecimalField(**MONEY)), ZERO)

    return {
        "tranche_count": Coalesce(F("approved_count"), ledger_count(into) - ledger_count(out)),
        "total": Coalesce(F("approved_total"), ledger_total(into) - ledger_total(out)),
        "paid_count": _line_count(LineStatus.PAID),
        "paid_total": _line_total(LineStatus.PAID),
        "failed_count": _line_count(LineStatus.FAILED),
        "failed_total": _line_total(LineStatus.FAILED),
        "withdrawn_count": _line_count(LineStatus.WITHDRAWN),
        "withdrawn_total": _line_total(LineStatus.WITHDRAWN),
        "pending_count": _line_count(LineStatus.PENDING),
    }


def batches_for(user, *, round_id=None) -> QuerySet[Batch]:
    require_finance(user)
    qs = Batch.objects.select_related("round", "prepared_by", "checked_by", "approved_by")
    if round_id:
        qs = qs.filter(round_id=round_id)
    return qs.annotate(**batch_figures())


def batch_with_figures(user, pk) -> Batch:
    require_finance(user)
    try:
        return batches_for(user).get(pk=pk)
    except (Batch.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _paid_before():
    """What the project was paid before this tranche (累计已拨)."""
    earlier = (Payment.objects.filter(tranche__project=OuterRef("project"), tranche__seq__lt=OuterRef("seq"))
               .values("tranche__project").annotate(s=Sum("amount")).values("s"))
    return Coalesce(Subquery(earlier, output_field=DecimalField(**MONEY)), ZERO)


def batch_tranches(batch: Batch) -> QuerySet[Tranche]:
    """The tranches a batch being prepared holds, for its page, in one query."""
    return (Tranche.objects.filter(batch=batch)
            .select_related("project__organization__host", "project__round", "payment")
            .order_by("project__code", "seq"))


def batch_lines(batch: Batch) -> QuerySet[BatchLine]:
    """The frozen rows of an approved batch, for its page."""
    return batch.lines.select_related("tranche__project").order_by("seq")


def earlier_failures(batch: Batch) -> QuerySet[PaymentFailure]:
    """Transfers of this batch's tranches that the bank returned in earlier batches, with its reasons."""
    tranche_ids = (BatchLine.objects.filter(batch=batch).values("tranche_id") if batch.is_frozen
                   else Tranche.objects.filter(batch=batch).values("pk"))
    return (PaymentFailure.objects.filter(tranche_id__in=tranche_ids).exclude(batch=batch)
            .select_related("batch", "tranche__project").order_by("recorded_at"))


def live_rows(batch: Batch) -> QuerySet:
    """The rows of a batch being prepared from today's data, as plain dicts in one streamed query."""
    return (Tranche.objects.filter(batch=batch).annotate(paid_before=_paid_before())
            .order_by("project__code", "seq").values(*LIVE_FIELDS, "paid_before"))


def _numbered_preview(batch: Batch):
    for seq, row in enumerate(live_rows(batch).iterator(chunk_size=2000), start=1):
        yield line_from_live(row, seq)


def export_rows(batch: Batch):
    """What the 拨付清单 and the bank file list: the frozen lines of an approved batch; before 审批,
    a draft preview built from today's data (never sent to a bank: see finance.views.batches)."""
    if batch.is_frozen:
        return batch.lines.order_by("seq").values(*LINE_FIELDS)
    return _numbered_preview(batch)


def clawbacks_for(user) -> QuerySet[Clawback]:
    require_finance(user)
    # Clawback.outstanding is a property; an annotation of the same name cannot be set on the rows.
    return Clawback.objects.select_related("project__round").order_by("-created_at")


# ---------------------------------------------------------------- bank-detail changes

def bank_changes_for(user) -> QuerySet[BankDetailChange]:
    """Pending requests first, then the decided ones, newest first."""
    require_finance(user)
    return (BankDetailChange.objects.select_related("organization", "requested_by", "decided_by")
            .order_by(Case(When(state=ChangeState.PENDING, then=0), default=1), "-requested_at", "-pk"))


def get_bank_change_for(user, pk) -> BankDetailChange:
    return _get(BankDetailChange.objects.select_related("organization", "requested_by", "decided_by"), user, pk)


def settlements(round: GrantRound) -> QuerySet[Settlement]:
    return Settlement.objects.filter(project__round=round).select_related("project").order_by("project__code")


# ---------------------------------------------------------------- work queue

def batches_waiting_for(user) -> list[Batch]:
    """Batches whose next signature may be this person's: 审核 by anyone but the 经办, 审批 by someone
    who neither prepared nor checked it and whose approval limit covers it (finance.services)."""
    if not is_finance(user):
        return []
    waiting = (Batch.objects.filter(state__in=BATCH.group("awaiting_signoff")).exclude(prepared_by=user)
               .annotate(total=Coalesce(Sum("tranches__amount"), ZERO)).order_by("submitted_at", "pk"))
    mine = []
    for batch in waiting:
        if batch.state == BatchState.SUBMITTED or batch.checked_by_id != user.pk and (user.approval_limit is None or batch.total <= user.approval_limit):
            mine.append(batch)
    return mine


def payable_tranches(user) -> QuerySet[Tranche]:
    """Tranches released for payment and not yet in a batch, over every round (releasable_tranches' rule)."""
    if not is_finance(user):
        return Tranche.objects.none()
    return (Tranche.objects.filter(state=TrancheState.RELEASABLE, amount__gt=0, failure_reason="")
            .select_related("project").order_by("released_at", "project__code", "seq", "pk"))


def failed_transfers(user) -> QuerySet[Tranche]:
    """Tranches the bank returned, waiting for a corrected account before they can go out again."""
    if not is_finance(user):
        return Tranche.objects.none()
    return (Tranche.objects.filter(state=TrancheState.RELEASABLE).exclude(failure_reason="")
            .select_related("project").order_by("project__code", "seq", "pk"))
