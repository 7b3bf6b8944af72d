"""The dashboard's stored evaluation and indicator figures (projects.dashboard_models), kept current
in the same transaction as every write they follow:
- an evaluation is only ever added (projects.services.transitions.submit_evaluation): its cell gains one;
- a project's indicators count while it is implemented (contracted to completed): a transition into or
  out of that group (run_transition) adds or takes away the project's indicators; a report's achieved
  figures (projects.services.implementation) and, should it ever happen in that group, a rewrite of the
  indicators (projects.services.drafting) move the cells by what the project's figures changed.
Cells change by increments (core.bulk.increment: INSERT … ON CONFLICT DO UPDATE SET x = x + delta), in key order,
so concurrent writers serialize on each cell's row lock and never lose a change.

The dashboard reads a few hundred rows per round (projects.views.monitoring_figures);
`manage.py rebuild_dashboard_cells [--round ID] [--verify]` recomputes them from the evaluations and
indicators and reports any drift.
"""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Count

from core import bulk
from projects.dashboard_models import EvaluationCell, IndicatorCell
from projects.lifecycle import PROJECT
from projects.models import Evaluation, Indicator

IMPLEMENTED = PROJECT.group("implemented")
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# (name, unit) → (target, achieved, projects), amounts in hundredths
Figures = dict[tuple[str, str], tuple[int, int, int]]


def cents(value) -> int:
    return int((Decimal(value) * HUNDRED).to_integral_value()) if value is not None else 0


def from_cents(value: int) -> Decimal:
    return (Decimal(value) / HUNDRED).quantize(CENT)


# ---------------------------------------------------------------- writers

def evaluation_added(evaluation: Evaluation, round_id: int) -> None:
    bulk.increment(EvaluationCell, ("round_id", "kind", "total"), ("n",),
         {(round_id, evaluation.kind, cents(evaluation.total)): (1,)})


def figures_of(project_id: int) -> Figures:
    """The project's indicators per (name, unit): target and achieved summed, and 1 (it has it)."""
    found: dict[tuple[str, str], tuple[int, int, int]] = {}
    for name, unit, target, achieved in Indicator.objects.filter(project_id=project_id).order_by().values_list(
            "name", "unit", "target", "achieved"):
        t, a, _ = found.get((name, unit), (0, 0, 1))
        found[(name, unit)] = (t + cents(target), a + cents(achieved), 1)
    return found


def counted(project) -> Figures:
    """What the project adds to its round's indicator cells now (nothing unless it is implemented)."""
    return figures_of(project.pk) if project.state in IMPLEMENTED else {}


def indicators_moved(round_id: int, before: Figures, after: Figures) -> None:
    """The project counted `before` and counts `after` (counted(), taken before and after the write)."""
    deltas = {}
    for key in before.keys() | after.keys():
        b, a = before.get(key, (0, 0, 0)), after.get(key, (0, 0, 0))
        deltas[(round_id, *key)] = tuple(x - y for x, y in zip(a, b, strict=True))
    bulk.increment(IndicatorCell, ("round_id", "name", "unit"), ("target", "achieved", "projects"), deltas)


def project_moved(project, from_state: str) -> None:
    """A transition took the project from `from_state` to its state: into or out of the implemented
    group, its indicators join or leave the round's cells."""
    was, now = from_state in IMPLEMENTED, project.state in IMPLEMENTED
    if was != now:
        figures = figures_of(project.pk)
        indicators_moved(project.round_id, figures if was else {}, figures if now else {})


# ---------------------------------------------------------------- reading

def evaluation_scores(round) -> dict[str, tuple[list[Decimal], list[int]]]:
    """Per kind that has any: each distinct total and how many evaluations have it."""
    scores: dict[str, tuple[list[Decimal], list[int]]] = {}
    for kind, total, n in (EvaluationCell.objects.filter(round=round, n__gt=0).order_by("kind", "total")
                           .values_list("kind", "total", "n")):
        totals, counts = scores.setdefault(kind, ([], []))
        totals.append(from_cents(total))
        counts.append(n)
    return scores


def indicator_rows(round) -> list[tuple[str, str, Decimal, Decimal, int]]:
    """(name, unit, target, achieved, projects), most projects first, then by name and unit."""
    return [(name, unit, from_cents(target), from_cents(achieved), projects) for name, unit, target, achieved, projects
            in IndicatorCell.objects.filter(round=round, projects__gt=0).order_by("-projects", "name", "unit")
            .values_list("name", "unit", "target", "achieved", "projects")]


# ---------------------------------------------------------------- whole rounds

def expected(round) -> tuple[dict[tuple, int], dict[tuple, tuple[int, int, int]]]:
    """The round's cells recomputed from its evaluations and its implemented projects' indicators."""
    evaluations = {(kind, cents(total)): n for kind, total, n in
                   Evaluation.objects.filter(project__round=round).order_by().values_list("kind", "total")
                   .annotate(n=Count("pk"))}
    indicators: dict[tuple, tuple[int, int, int]] = {}
    seen: set[tuple] = set()
    for project_id, name, unit, target, achieved in (
            Indicator.objects.filter(project__round=round, project__state__in=IMPLEMENTED).order_by()
            .values_list("project_id", "name", "unit", "target", "achieved").iterator(chunk_size=5000)):
        t, a, p = indicators.get((name, unit), (0, 0, 0))
        first = (project_id, name, unit) not in seen
        seen.add((project_id, name, unit))
        indicators[(name, unit)] = (t + cents(target), a + cents(achieved), p + int(first))
    return evaluations, indicators


def stored(round) -> tuple[dict[tuple, int], dict[tuple, tuple[int, int, int]]]:
    evaluations = {(k, t): n for k, t, n in EvaluationCell.objects.filter(round=round).values_list("kind", "total", "n")
                   if n}
    indicators = {(name, unit): (t, a, p) for name, unit, t, a, p in IndicatorCell.objects.filter(round=round)
                  .values_list("name", "unit", "target", "achieved", "projects") if (t, a, p) != (0, 0, 0)}
    return evaluations, indicators


def rebuild_round(round) -> tuple[int, int]:
    evaluations, indicators = expected(round)
    with transaction.atomic():
        EvaluationCell.objects.filter(round=round).delete()
        EvaluationCell.objects.bulk_create([EvaluationCell(round_id=round.pk, kind=k, total=t, n=n)
                                            for (k, t), n in sorted(evaluations.items())], batch_size=5000)
        IndicatorCell.objects.filter(round=round).delete()
        IndicatorCell.objects.bulk_create([IndicatorCell(round_id=round.pk, name=name, unit=unit, target=t, achieved=a,
                                                         projects=p)
                                           for (name, unit), (t, a, p) in sorted(indicators.items())], batch_size=5000)
    return len(evaluations), len(indicators)


def drift(round) -> tuple[int, int]:
    """(drifting evaluation cells, drifting indicator cells): missing, extra or different."""
    want_e, want_i = expected(round)
    have_e, have_i = stored(round)
    return (sum(1 for k in want_e.keys() | have_e.keys() if want_e.get(k) != have_e.get(k)),
            sum(1 for k in want_i.keys() | have_i.keys() if want_i.get(k) != have_i.get(k)))
