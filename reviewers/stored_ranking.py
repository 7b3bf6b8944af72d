"""The ranking read from the stored aggregates (reviewers.aggregates), one page at a time.

The rows are those of reviewers.ranking.build, in its order, built only for the page shown: the
page's rows come from the (round, rank_key) index, the experts and their z-scores only for the
page's projects, and the cumulative sum before the page from one aggregate over the rows ranked
before it (the money rule is reviewers.ranking's: a funded project takes what it holds by
finance.commitments, an undecided one its approved or requested amount, waitlisted and rejected
projects nothing). A fixed number of queries per page, whatever the round's size.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any  # money: finance.commitments.RoundMoney, passed in by the view

from django.core.paginator import Page, Paginator
from django.db.models import DecimalField, F, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce

from grants.models import GrantRound
from projects import guards
from projects.lifecycle import PROJECT
from projects.models import BudgetLine
from projects.states import State
from reviewers.aggregate_models import ExpertRoundStats, ReviewAggregate
from reviewers.aggregates import NOT_RANKED, zscore
from reviewers.models import Assignment, AssignmentState
from reviewers.panel_rules import adjust
from reviewers.panel_selectors import panel_facts
from reviewers.ranking import NOT_TAKING_MONEY, ExpertScore, Ranking, Row

PAGE_SIZE = 100
FUNDED = PROJECT.group("funded")  # as finance.commitments: these hold what the money truth says
# Undecided projects take their (approved or) requested amount; funded ones what they hold.
NOT_UNDECIDED = [*FUNDED, *NOT_TAKING_MONEY, State.TERMINATED]


def ranked(round: GrantRound) -> QuerySet[ReviewAggregate]:
    """The round's ranking, in order (the rows of reviewers.selectors.ranking_inputs' projects)."""
    return ReviewAggregate.objects.filter(round=round).exclude(project__state__in=NOT_RANKED).order_by("rank_key")


def taken_before(round: GrantRound, key: str, money: Any) -> Decimal:
    """What the projects ranked before `key` take of the pot (two aggregate queries)."""
    before = ranked(round).filter(rank_key__lt=key).order_by()
    undecided = before.exclude(project__state__in=NOT_UNDECIDED).aggregate(s=Sum(
        Coalesce("project__approved_amount", "project__requested_amount"),
        output_field=DecimalField(max_digits=16, decimal_places=2)))["s"] or Decimal("0.00")
    funded = sum((money.projects[pk].committed for pk in
                  before.filter(project__state__in=list(FUNDED)).values_list("project_id", flat=True)
                  if pk in money.projects), Decimal("0.00"))
    return undecided + funded


def rows_for(round: GrantRound, aggregates: list[ReviewAggregate], *, start: int, money: Any | None,
             cumulative: Decimal) -> list[Row]:
    """ranking.Row objects for consecutive stored rows, the first at position `start`."""
    ids = [a.project_id for a in aggregates]
    reviews: dict[int, list[tuple[str, int, Decimal]]] = {}
    for project_id, expert_id, name, total in (
            Assignment.objects.filter(project_id__in=ids, state=AssignmentState.SUBMITTED, total__isnull=False)
            .values_list("project_id", "expert_id", "expert__name", "total")):
        reviews.setdefault(project_id, []).append((name, expert_id, total))
    experts = {e for panel in reviews.values() for _, e, _ in panel}
    stats = {s.expert_id: s for s in ExpertRoundStats.objects.filter(round=round, expert_id__in=experts)}
    facts = panel_facts(round, ids) if ids else None
    rows = []
    for position, agg in enumerate(aggregates, start=start):
        project = agg.project
        project.round = round  # one shared round: its prefetched caps serve every budget check
        adjusted = adjust(facts, project.pk, agg.written)
        scored = [ExpertScore(name, total, zscore(stats.get(e), total))
                  for name, e, total in sorted(reviews.get(project.pk, []), key=lambda r: (r[0], r[1]))]
        mean_z = ((sum((e.z for e in scored), Decimal("0")) / len(scored)).quantize(Decimal("0.001"))
                  if scored else None)
        amount = project.approved_amount if project.approved_amount is not None else project.requested_amount
        row = Row(position, project, agg.final, scored, agg.spread, agg.disputed, mean_z, amount, adjusted=adjusted)
        held = money.projects.get(project.pk) if money is not None else None
        if held is not None or (project.state not in NOT_TAKING_MONEY and project.state != State.TERMINATED):
            cumulative += held.committed if held is not None else amount
            row.cumulative, row.remaining = cumulative, round.pot - cumulative
            row.within_pot = cumulative <= round.pot
        if project.approved_amount is not None and project.approved_amount < project.requested_amount:
            row.budget_problems = guards.budget_fits_approved(project)
        rows.append(row)
    return rows


def page(round: GrantRound, number, money: Any, per_page: int = PAGE_SIZE) -> tuple[Page, Ranking]:
    """One page of the ranking (`number` as given in ?page=: a bad value gives the nearest page) and
    the round's money header. `page.object_list` holds ranking.Row objects."""
    queryset = ranked(round).select_related("project__organization").prefetch_related(
        Prefetch("project__budget_lines", queryset=BudgetLine.objects.filter(
            project__approved_amount__lt=F("project__requested_amount"))))
    shown = Paginator(queryset, per_page).get_page(number)
    aggregates = list(shown.object_list)
    before = taken_before(round, aggregates[0].rank_key, money) if aggregates and shown.number > 1 else Decimal("0.00")
    shown.object_list = rows_for(round, aggregates, start=shown.start_index(), money=money, cumulative=before)
    return shown, Ranking([], round.pot, money.committed, round.aggregation)


def in_rank_order(round: GrantRound, project_ids) -> list[int]:
    """The given projects of the ranking, in rank order (a batch of decisions is applied in this order)."""
    return list(ranked(round).filter(project_id__in=list(project_ids)).values_list("project_id", flat=True))


def position(round: GrantRound, key: str) -> int:
    return ranked(round).filter(rank_key__lt=key).order_by().count() + 1
