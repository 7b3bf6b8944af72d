"""The one money truth of a round: what its decisions have taken from the pot and what is left.

Every page and export that shows a committed amount or 剩余 reads `round_money` (or the two figures
`committed_total` / `left_in_pot` built on it), and the pot check on a funding decision uses the same
numbers, so two pages can no longer disagree.

A project commits
- before signing (approved, in 公示 or under objection): its approved amount (the ledger has nothing yet);
- once signed and not terminated: what its agreement gave (ledger "approved"), less tranches given up
  for good (cancelled, e.g. a 尾款 reduced by the settlement) and claw-backs repaid;
- once terminated: what was paid, less claw-backs repaid. A claw-back only recorded does not
  return money to the pot: the money is back only when it is repaid.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Case, CharField, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When

from finance import money_cells
from finance.ledger import ZERO, Totals, totals_from_sums
from finance.models import LedgerEntry, LedgerKind
from finance.selectors import ledger_aggregates
from projects.lifecycle import PROJECT
from projects.models import Project
from projects.states import State

FUNDED = PROJECT.group("funded")


@dataclass(frozen=True)
class ProjectMoney:
    """One project's money, in yuan."""

    project_id: int
    state: str
    approved: Decimal
    paid: Decimal = ZERO
    outstanding: Decimal = ZERO  # planned, releasable or in a batch: still to be paid if all goes on
    withheld: Decimal = ZERO
    cancelled: Decimal = ZERO
    clawed_back: Decimal = ZERO
    repaid: Decimal = ZERO

    @property
    def committed(self) -> Decimal:
        return committed_amount(self.state, self.approved, paid=self.paid, cancelled=self.cancelled,
                                repaid=self.repaid, signed=self.signed)

    @property
    def signed(self) -> bool:
        return self.state in PROJECT.group("after_signing")


def committed_amount(state: str, approved: Decimal, *, paid: Decimal, cancelled: Decimal, repaid: Decimal,
                     signed: bool) -> Decimal:
    """What one project holds of its round's pot (the rules in the module's docstring)."""
    if state not in FUNDED:
        return ZERO
    if state == State.TERMINATED:
        return paid - repaid
    if not signed:
        return approved
    return approved - cancelled - repaid


@dataclass
class RoundMoney:
    pot: Decimal
    projects: dict[int, ProjectMoney] = field(default_factory=dict)
    _committed: dict[int, Decimal] | None = field(default=None, repr=False, compare=False)

    @property
    def committed(self) -> Decimal:
        return sum((p.committed for p in self.projects.values()), ZERO)

    @property
    def left(self) -> Decimal:
        return self.pot - self.committed

    def committed_without(self, project_id: int | None) -> Decimal:
        return sum((p.committed for pk, p in self.projects.items() if pk != project_id), ZERO)

    def committed_by_project(self) -> dict[int, Decimal]:
        """What each project holds, worked out once for pages that group it several ways."""
        if self._committed is None or len(self._committed) != len(self.projects):
            self._committed = {pk: p.committed for pk, p in self.projects.items()}
        return self._committed


def project_money(project_id: int, state: str, approved: Decimal | None, totals: Totals | None) -> ProjectMoney:
    if totals is None or not totals.approved:
        return ProjectMoney(project_id, state, approved or ZERO)
    states = totals.states  # read directly: Totals' attribute fallback costs more than the rest of a row
    return ProjectMoney(
        project_id, state, totals.approved, paid=states["paid"],
        outstanding=states["planned"] + states["releasable"] + states["in_batch"],
        withheld=states["withheld"], cancelled=states["cancelled"], clawed_back=totals.clawed_back,
        repaid=totals.repaid,
    )


def _ledger_by_project(round_id: int, project_ids: Iterable[int] | None = None) -> dict[int, Totals]:
    qs = LedgerEntry.objects.filter(round_id=round_id)
    if project_ids is not None:
        qs = qs.filter(project_id__in=list(project_ids))
    rows = qs.values("project_id").annotate(**ledger_aggregates()).order_by()
    return {row["project_id"]: totals_from_sums(row) for row in rows}


def round_money(round, project_ids: Iterable[int] | None = None) -> RoundMoney:
    """Every funded project of `round` with its money, in two queries however large the round.
    `project_ids`: only these projects (one page of a list; `committed` is then theirs only)."""
    ids = None if project_ids is None else list(project_ids)
    ledger = _ledger_by_project(round.pk, ids)
    result = RoundMoney(pot=round.pot)
    funded = Project.objects.filter(round=round, state__in=list(FUNDED))
    if ids is not None:
        funded = funded.filter(pk__in=ids)
    for pk, state, approved in funded.values_list("pk", "state", "approved_amount"):
        result.projects[pk] = project_money(pk, state, approved, ledger.get(pk))
    return result


def money_of(project) -> ProjectMoney:
    """One project's figures (its own page, the applicant's page)."""
    return project_money(project.pk, project.state, project.approved_amount,
                         _ledger_by_project(project.round_id, [project.pk]).get(project.pk))


def committed_total(round) -> Decimal:
    """round_money(round).committed, from the round's stored money cells (pot_figures)."""
    return money_cells.committed(round)


def left_in_pot(round) -> Decimal:
    return round.pot - committed_total(round)


@dataclass(frozen=True)
class PotFigures:
    """The pot's three figures for a page header (finance/_pot.html), without every project's money."""

    pot: Decimal
    committed: Decimal

    @property
    def left(self) -> Decimal:
        return self.pot - self.committed


def pot_figures(round) -> PotFigures:
    """Pot, committed and left, the same figures as round_money(round) and committed_split, read from
    the round's stored money cells (finance.money_cells, verified against committed_split by
    `rebuild_money_cells --verify`): a page that shows only the header reads a few hundred rows."""
    return PotFigures(round.pot, money_cells.committed(round))


def committed_sum(projects: QuerySet[Project]) -> Decimal:
    """What `projects` hold of the pot, Σ ProjectMoney.committed over them (committed_split)."""
    return committed_split(projects)[0]


def committed_split(projects: QuerySet[Project], part: QuerySet | None = None) -> tuple[Decimal, Decimal]:
    """(what `projects` hold of the pot, what those of them in `part` hold), Σ ProjectMoney.committed,
    in two aggregate queries whatever their number (a round's header figure and the sum before one
    page of the ranking at once): every case of committed_amount is linear in the ledger sums, so each
    case is summed over its group. A project without an "approved" ledger entry (not signed yet) holds
    its approved amount. `part`: a queryset of project ids (values("pk") or similar)."""
    funded = projects.filter(state__in=list(FUNDED)).order_by()
    in_ledger = _in_ledger()
    sums = {"all": Sum("approved_amount")}
    if part is not None:
        sums["part"] = Sum("approved_amount", filter=Q(pk__in=part))
    plain = funded.exclude(state=State.TERMINATED).filter(~in_ledger).aggregate(**sums)
    case = _ledger_case()
    flag = (Case(When(project__in=part, then=Value(True)), default=Value(False), output_field=BooleanField())
            if part is not None else Value(False, output_field=BooleanField()))
    total, in_part = plain["all"] or ZERO, plain.get("part") or ZERO
    for row in (LedgerEntry.objects.filter(project__in=funded.filter(in_ledger).values("pk"))
                .values(case=case, in_part=flag).annotate(**ledger_aggregates()).order_by()):
        amount = _case_amount(row)
        total += amount
        if row["in_part"]:
            in_part += amount
    return total, in_part


def committed_by(projects: QuerySet[Project], field: str) -> dict[str, Decimal]:
    """What the projects of each value of `field` (a project column: domain, service_district) hold of
    the pot, Σ ProjectMoney.committed per group, in two aggregate queries, by the rule of committed_split."""
    funded = projects.filter(state__in=list(FUNDED)).order_by()
    in_ledger = _in_ledger()
    result: dict[str, Decimal] = {}
    for key, amount in (funded.exclude(state=State.TERMINATED).filter(~in_ledger)
                        .values_list(field).annotate(amount=Sum("approved_amount"))):
        result[key or ""] = result.get(key or "", ZERO) + (amount or ZERO)
    for row in (LedgerEntry.objects.filter(project__in=funded.filter(in_ledger).values("pk"))
                .values(case=_ledger_case(), key=F(f"project__{field}")).annotate(**ledger_aggregates()).order_by()):
        result[row["key"] or ""] = result.get(row["key"] or "", ZERO) + _case_amount(row)
    return result


def _in_ledger() -> Exists:
    """A project whose agreement is in the ledger ("approved" entry): its money comes from the ledger."""
    return Exists(LedgerEntry.objects.filter(project=OuterRef("pk"), kind=LedgerKind.APPROVED))


def _ledger_case() -> Case:
    return Case(When(project__state=State.TERMINATED, then=Value("terminated")),
                When(project__state__in=list(PROJECT.group("after_signing")), then=Value("signed")),
                default=Value("unsigned"), output_field=CharField())


def _case_amount(row: dict) -> Decimal:
    """committed_amount's cases, on one group's ledger sums (each case is linear in them)."""
    t = totals_from_sums(row)
    return {"unsigned": t.approved, "signed": t.approved - t.cancelled - t.repaid,
            "terminated": t.paid - t.repaid}[row["case"]]
