"""The officer's dashboard of one round: every figure from a fixed number of grouped queries,
however many projects the round holds (tens of thousands in a province-wide round)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from core.money import quantize_fen
from finance.models import Tranche, TrancheState
from finance.money_cells import Places, committed_by
from grants.defaults import DOMAINS
from grants.models import MONEY, GrantRound
from projects import dashboard_cells
from projects.lifecycle import PROJECT
from projects.models import EvaluationKind, Project
from projects.performance import percent
from projects.selectors_monitoring import excellent_elsewhere
from projects.states import State

ZERO = Value(Decimal("0.00"), output_field=DecimalField(**MONEY))
FUNDED, SIGNED = PROJECT.group("funded"), PROJECT.group("signed")
SCORE_EDGES = [0, 60, 70, 80, 90, 100]


@dataclass(frozen=True)
class GroupRow:
    key: str
    applications: int
    funded: int
    amount: Decimal


@dataclass(frozen=True)
class IndicatorRow:
    name: str
    unit: str
    target: Decimal
    achieved: Decimal
    projects: int

    @property
    def ratio(self) -> Decimal | None:
        return percent(self.achieved, self.target)


Counts = dict[tuple[str, str, str], int]


def project_counts(round: GrantRound) -> Counts:
    """How many of the round's projects have each (state, domain, district): one grouped index-only
    scan (the index on round, state, domain, district), from which every count of the dashboard follows
    (states, applications and funded projects per domain and per district)."""
    rows = (Project.objects.filter(round=round).values_list("state", "domain", "service_district")
            .annotate(n=Count("*")).order_by())
    return {(state, domain or "", district or ""): n for state, domain, district, n in rows}


def _groups(round: GrantRound, counts: Counts, field: str, places: Places | None) -> list[GroupRow]:
    """Applications and funded projects per group; the amount is what the group's projects hold of the
    pot (finance.money_cells.committed_by: commitments.committed_by's figures from the stored cells)."""
    position = {"domain": 1, "service_district": 2}[field]
    not_applied = PROJECT.group("not_applied")
    applications: dict[str, int] = {}
    funded: dict[str, int] = {}
    for key, n in counts.items():
        if key[0] in not_applied:
            continue
        group = key[position]
        applications[group] = applications.get(group, 0) + n
        if key[0] in FUNDED:
            funded[group] = funded.get(group, 0) + n
    amounts = committed_by(round, field, places)
    # Most applications first, then by the group's value (the database's C collation: code points).
    order = sorted(applications, key=lambda group: (-applications[group], group))
    return [GroupRow(group, applications[group], funded.get(group, 0),
                     quantize_fen(amounts.get(group, Decimal("0.00")))) for group in order]


def by_domain(round: GrantRound, counts: Counts | None = None, places: Places | None = None) -> list[GroupRow]:
    """`counts` (project_counts) and `places` (money_cells.committed_by_place): read once for the page."""
    return _groups(round, project_counts(round) if counts is None else counts, "domain", places)


def by_district(round: GrantRound, counts: Counts | None = None, places: Places | None = None) -> list[GroupRow]:
    return _groups(round, project_counts(round) if counts is None else counts, "service_district", places)


def states(round: GrantRound, counts: Counts | None = None) -> list[tuple[str, int]]:
    per_state: dict[str, int] = {}
    for (state, _domain, _district), n in (project_counts(round) if counts is None else counts).items():
        per_state[state] = per_state.get(state, 0) + n
    return [(state, per_state[state]) for state in State.values if state != State.DRAFT and per_state.get(state)]


def evaluation_scores(round: GrantRound) -> dict[str, tuple[list[Decimal], list[int]]]:
    """Per kind: each distinct total and how many evaluations have it, from the stored evaluation cells
    (projects.dashboard_cells: a few hundred rows at most, however many evaluations the round holds)."""
    stored = dashboard_cells.evaluation_scores(round)
    return {kind: stored.get(kind, ([], [])) for kind in (EvaluationKind.MIDTERM, EvaluationKind.FINAL)}


def tranche_status(round: GrantRound) -> list[tuple[str, int, Decimal]]:
    """(state, number of tranches, amount) from the tranche table, which the finance ledger reconciles with."""
    rows = (
        Tranche.objects.filter(round=round).values("state")  # the (round, state) index alone
        .annotate(n=Count("*"), amount=Coalesce(Sum("amount"), ZERO)).order_by()
    )
    found = {r["state"]: (r["n"], quantize_fen(r["amount"])) for r in rows}
    return [(state, *found[state]) for state in TrancheState.values if state in found]


def indicators(round: GrantRound) -> list[IndicatorRow]:
    """Achieved against target per indicator (name and unit) over the round's signed and completed
    projects, from the stored indicator cells (projects.dashboard_cells), most projects first."""
    return [IndicatorRow(*row) for row in dashboard_cells.indicator_rows(round)]


def funded_count(round: GrantRound) -> int:
    return Project.objects.filter(round=round, state__in=list(FUNDED)).count()


def funded_page_ids(round: GrantRound, start: int, stop: int) -> list[int]:
    return list(Project.objects.filter(round=round, state__in=list(FUNDED)).order_by("code")
                .values_list("pk", flat=True)[start:stop])


def funded_projects(round: GrantRound, today: date, ids: list[int] | None = None):
    """The round's funded projects (those of `ids` when given) with the preference marker and the
    number of overdue milestones."""
    qs = Project.objects.filter(round=round, state__in=list(FUNDED))
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return (
        qs
        .select_related("organization")
        .only("code", "title", "domain", "service_district", "approved_amount", "state", "grade",
              "organization__name", "round_id")
        .annotate(
            preferred=excellent_elsewhere(round),
            overdue=Count("milestones", filter=Q(milestones__due_date__lt=today, milestones__completed_on__isnull=True,
                                                 state__in=list(SIGNED))),
        )
        .order_by("code")
    )


def domain_label(code: str) -> str:
    return str(DOMAINS.get(code, code))
