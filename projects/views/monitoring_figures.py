"""The officer's dashboard of one round: every figure from a fixed number of grouped queries,
however many projects the round holds (tens of thousands in a province-wide round)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from core.money import quantize_fen
from finance.models import Tranche, TrancheState
from finance.money_cells import committed_by
from grants.defaults import DOMAINS
from grants.models import MONEY, GrantRound
from projects.lifecycle import PROJECT
from projects.models import Evaluation, EvaluationKind, Indicator, Project
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


def _groups(round: GrantRound, field: str) -> list[GroupRow]:
    """Applications and funded projects per group; the amount is what the group's projects hold of the
    pot (finance.money_cells.committed_by: commitments.committed_by's figures from the stored cells)."""
    funded = Q(state__in=list(FUNDED))
    rows = (
        Project.objects.filter(round=round).exclude(state__in=PROJECT.group("not_applied"))
        .values(field)
        .annotate(applications=Count("id"), funded=Count("id", filter=funded))
        .order_by("-applications", field)
    )
    amounts = committed_by(round, field)
    return [GroupRow(r[field] or "", r["applications"], r["funded"], quantize_fen(amounts.get(r[field] or "", Decimal("0.00"))))
            for r in rows]


def by_domain(round: GrantRound) -> list[GroupRow]:
    return _groups(round, "domain")


def by_district(round: GrantRound) -> list[GroupRow]:
    return _groups(round, "service_district")


def states(round: GrantRound) -> list[tuple[str, int]]:
    counts = dict(
        Project.objects.filter(round=round).exclude(state=State.DRAFT)
        .values_list("state").annotate(n=Count("id")).order_by()
    )
    return [(state, counts[state]) for state in State.values if counts.get(state)]


def evaluation_scores(round: GrantRound) -> dict[str, tuple[list[Decimal], list[int]]]:
    """Per kind: each distinct total and how many evaluations have it (counted by the database: a
    few hundred rows at most, however many evaluations the round holds)."""
    scores: dict[str, tuple[list[Decimal], list[int]]] = {EvaluationKind.MIDTERM: ([], []),
                                                           EvaluationKind.FINAL: ([], [])}
    for kind, total, n in (Evaluation.objects.filter(project__round=round).values_list("kind", "total")
                           .annotate(n=Count("pk")).order_by()):
        scores[kind][0].append(total)
        scores[kind][1].append(n)
    return scores


def tranche_status(round: GrantRound) -> list[tuple[str, int, Decimal]]:
    """(state, number of tranches, amount) from the tranche table, which the finance ledger reconciles with."""
    rows = (
        Tranche.objects.filter(project__round=round).values("state")
        .annotate(n=Count("id"), amount=Coalesce(Sum("amount"), ZERO)).order_by()
    )
    found = {r["state"]: (r["n"], quantize_fen(r["amount"])) for r in rows}
    return [(state, *found[state]) for state in TrancheState.values if state in found]


def indicators(round: GrantRound) -> list[IndicatorRow]:
    """Achieved against target per indicator (name and unit) over the round's signed and completed projects."""
    rows = (
        Indicator.objects.filter(project__round=round, project__state__in=PROJECT.group("implemented"))
        .values("name", "unit")
        .annotate(target=Sum("target"), achieved=Coalesce(Sum("achieved"), Value(Decimal("0"))),
                  projects=Count("project", distinct=True))
        .order_by("-projects", "name")
    )
    return [IndicatorRow(r["name"], r["unit"], r["target"], r["achieved"], r["projects"]) for r in rows]


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
