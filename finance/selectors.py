"""Finance reads: who may see money pages, and every total, computed from the ledger.

Finance pages are for finance officers and admins; anyone else gets 404, the same answer as for a
batch that does not exist.
"""
from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import Role
from finance.ledger import STATES, Totals, group_totals, totals_from_sums
from finance.models import Batch, Clawback, LedgerEntry, LedgerKind, Payment, Tranche, TrancheState
from grants.models import MONEY, GrantRound

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


def _ledger_aggregates() -> dict:
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
    sums = LedgerEntry.objects.filter(round=round).aggregate(**_ledger_aggregates())
    return totals_from_sums(sums, pot=round.pot)


def totals_by(round: GrantRound, dimension: str) -> list[tuple[str, Totals]]:
    """Totals per service domain ("domain") or per service district ("district"), one query."""
    key = {"domain": "project__domain", "district": "project__service_district"}[dimension]
    rows = (LedgerEntry.objects.filter(round=round).values(key).annotate(**_ledger_aggregates())
            .order_by(key))
    return group_totals(rows, key)


def tranche_state_sums(round: GrantRound) -> dict[str, Decimal]:
    """The tranche table's own view of the same balances, to prove the ledger reconciles."""
    rows = Tranche.objects.filter(project__round=round).values("state").annotate(s=Sum("amount")).order_by()
    return {row["state"]: row["s"] for row in rows}


def ledger_entries(round: GrantRound) -> QuerySet[LedgerEntry]:
    return (LedgerEntry.objects.filter(round=round)
            .select_related("project", "tranche", "batch", "actor").order_by("-pk"))


# ---------------------------------------------------------------- batches

def releasable_tranches(*, round_id, district: str = "", domain: str = "") -> QuerySet[Tranche]:
    qs = Tranche.objects.filter(state=TrancheState.RELEASABLE, project__round_id=round_id)
    if district:
        qs = qs.filter(project__service_district=district)
    if domain:
        qs = qs.filter(project__domain=domain)
    return qs.order_by("project__code", "seq")


def releasable_summary(qs: QuerySet[Tranche]) -> dict:
    return qs.aggregate(count=Count("pk"), total=Coalesce(Sum("amount"), ZERO))


def batch_figures() -> dict:
    """Per-batch count and total from the ledger: what went in, less what came out unpaid."""
    into = Q(ledger__kind=LedgerKind.BATCHED)
    out = Q(ledger__kind__in=[LedgerKind.UNBATCHED, LedgerKind.CANCELLED])
    return {
        "tranche_count": Coalesce(Count("ledger", filter=into), 0) - Coalesce(Count("ledger", filter=out), 0),
        "total": Coalesce(Sum("ledger__amount", filter=into), ZERO) - Coalesce(Sum("ledger__amount", filter=out), ZERO),
        "paid_total": Coalesce(Sum("ledger__amount", filter=Q(ledger__kind=LedgerKind.PAID)), ZERO),
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
    """The rows of a batch for its page, in one query."""
    return (Tranche.objects.filter(batch=batch)
            .select_related("project__organization__host", "project__round", "payment")
            .order_by("project__code", "seq"))


EXPORT_FIELDS = (
    "pk", "name", "percent", "amount", "project__code", "project__title", "project__approved_amount",
    "project__round__name", "project__organization__org_type", "project__organization__host_id",
    *(f"project__organization__{f}" for f in ("name", "credit_code", "bank_account_name", "bank_name",
                                               "bank_account_no", "bank_code")),
    *(f"project__organization__host__{f}" for f in ("name", "credit_code", "bank_account_name", "bank_name",
                                                     "bank_account_no", "bank_code")),
)


def export_rows(batch: Batch) -> QuerySet:
    """The rows of the 拨付清单 and the bank file as plain dicts, in one streamed query."""
    return (Tranche.objects.filter(batch=batch).annotate(paid_before=_paid_before())
            .order_by("project__code", "seq").values(*EXPORT_FIELDS, "paid_before"))


def clawbacks_for(user) -> QuerySet[Clawback]:
    require_finance(user)
    # Clawback.outstanding is a property; an annotation of the same name cannot be set on the rows.
    return Clawback.objects.select_related("project__round").order_by("-created_at")
