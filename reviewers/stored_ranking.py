"""The ranking read from the stored aggregates (reviewers.aggregates), one page at a time.

The rows are those of reviewers.ranking.build, in its order, built only for the page shown: the
page's rows come from the (round, rank_key) index, the experts and their z-scores only for the
page's projects, and the cumulative sum before the page from one aggregate over the rows ranked
before it (the money rule is reviewers.ranking's: a funded project takes what it holds by
finance.commitments, an undecided one its approved or requested amount, waitlisted and rejected
projects nothing). A fixed number of queries per page, whatever the round's size.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any  # money: finance.commitments.RoundMoney, passed in by the view

from django.core.paginator import Page, Paginator
from django.db.models import DecimalField, F, Prefetch, QuerySet, Sum, prefetch_related_objects
from django.db.models.functions import Coalesce

from grants.models import GrantRound
from projects import guards
from projects.lifecycle import PROJECT
from projects.models import BudgetLine, Project
from projects.states import State
from reviewers.aggregate_models import ExpertRoundStats, ReviewAggregate
from reviewers.aggregates import NOT_RANKED, zscore
from reviewers.models import Assignment, AssignmentState
from reviewers.panel_rules import adjust
from reviewers.panel_selectors import panel_facts
from reviewers.ranking import DECIDABLE, NOT_TAKING_MONEY, ExpertScore, Ranking, Row

PAGE_SIZE = 100
FUNDED = PROJECT.group("funded")  # as finance.commitments: these hold what the money truth says
# Undecided projects take their (approved or) requested amount; funded ones what they hold.
NOT_UNDECIDED = [*FUNDED, *NOT_TAKING_MONEY, State.TERMINATED]


def ranked(round: GrantRound) -> QuerySet[ReviewAggregate]:
    """The round's ranking, in order (the rows of reviewers.selectors.ranking_inputs' projects)."""
    return ReviewAggregate.objects.filter(round=round).exclude(state__in=NOT_RANKED).order_by("rank_key")


def money_before(round: GrantRound, key: str | None,
                 committed_split: Callable[[QuerySet[Project], QuerySet | None], tuple[Decimal, Decimal]],
                 ) -> tuple[Decimal, Decimal]:
    """(what the round's projects hold of the pot, what the projects ranked before `key` take of it):
    the undecided ones' amounts in one aggregate query, the funded ones' holdings and the round's
    total through `committed_split` (finance.commitments.committed_split) in two more."""
    if key is None:
        return committed_split(Project.objects.filter(round=round), None)[0], Decimal("0.00")
    before = ranked(round).filter(rank_key__lt=key).order_by()
    undecided = before.exclude(state__in=NOT_UNDECIDED).aggregate(s=Sum(
        Coalesce("approved", "requested"), output_field=DecimalField(max_digits=16, decimal_places=2)))["s"]
    total, funded = committed_split(Project.objects.filter(round=round),
                                    before.filter(state__in=list(FUNDED)).values("project_id"))
    return total, (undecided or Decimal("0.00")) + funded


def rows_for(round: GrantRound, aggregates: list[ReviewAggregate], *, start: int, money: Any | None,
             cumulative: Decimal, experts: bool = True, whole_round: bool = False) -> list[Row]:
    """ranking.Row objects for consecutive stored rows, the first at position `start`. `experts`:
    with each expert's score and z (else an empty list); `whole_round`: the rows are the whole
    ranking, so the per-project reads filter by round instead of listing every project id."""
    ids = [a.project_id for a in aggregates]
    reviews: dict[int, list[tuple[str, int, Decimal]]] = {}
    stats: dict[int, ExpertRoundStats] = {}
    if experts and ids:
        submitted = Assignment.objects.filter(state=AssignmentState.SUBMITTED, total__isnull=False)
        submitted = submitted.filter(project__round=round) if whole_round else submitted.filter(project_id__in=ids)
        for project_id, expert_id, name, total in submitted.values_list("project_id", "expert_id", "expert__name",
                                                                        "total"):
            if total is not None:
                reviews.setdefault(project_id, []).append((name, expert_id, total))
        stored = ExpertRoundStats.objects.filter(round=round)
        if not whole_round:
            stored = stored.filter(expert_id__in={e for panel in reviews.values() for _, e, _ in panel})
        stats = {s.expert_id: s for s in stored}
    facts = (panel_facts(round) if whole_round else panel_facts(round, ids)) if ids else None
    # Only a cut amount can break the budget rules, so only those projects' budgets are read: the cut
    # projects are picked by primary key first (a join filtering every listed project's budget lines
    # took 169 ms for a 1,182-line proposal). One query whether or not the page has a cut project.
    listed = [a.project for a in aggregates]
    if listed:
        cut = Project.objects.filter(pk__in=[p.pk for p in listed], approved_amount__lt=F("requested_amount"))
        prefetch_related_objects(listed, Prefetch("budget_lines", queryset=BudgetLine.objects.filter(
            project__in=cut.values("pk"))))
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


def page(round: GrantRound, number, *, money_for: Callable[[list[int]], Any],
         committed_split: Callable[[QuerySet[Project], QuerySet | None], tuple[Decimal, Decimal]],
         per_page: int = PAGE_SIZE) -> tuple[Page, Ranking]:
    """One page of the ranking (`number` as given in ?page=: a bad value gives the nearest page) and
    the round's money header. `page.object_list` holds ranking.Row objects. The money comes from the
    caller (finance.commitments): `money_for(project ids)` the page's projects' RoundMoney,
    `committed_split(projects, part)` what a set of projects (and a part of it) holds of the pot."""
    # Two steps: the page's ids from the stored rows alone (no join for the rows skipped by the
    # offset), then those rows with their projects.
    shown = Paginator(ranked(round).values_list("project_id", flat=True), per_page).get_page(number)
    ids = list(shown.object_list)
    by_pk = {a.pk: a for a in with_projects(ReviewAggregate.objects.filter(pk__in=ids))}
    aggregates = [by_pk[pk] for pk in ids if pk in by_pk]
    first_key = aggregates[0].rank_key if aggregates and shown.number > 1 else None
    committed, before = money_before(round, first_key, committed_split)
    # the page now holds its rows rather than their ids
    shown.object_list = rows_for(  # type: ignore[assignment]
        round, aggregates, start=shown.start_index(), money=money_for(ids), cumulative=before)
    return shown, Ranking([], round.pot, committed, round.aggregation)


def with_projects(queryset: QuerySet[ReviewAggregate]) -> QuerySet[ReviewAggregate]:
    """The stored rows with their projects and organizations (rows_for reads the budgets it needs)."""
    return queryset.select_related("project__organization")


def whole(round: GrantRound, money: Any | None = None, *, experts: bool = False) -> Ranking:
    """The whole ranking from the stored rows, as ranking.build returns it (for the background jobs
    that write every row: the ranking workbook, the 评审汇总表). No score is aggregated; with `experts` every
    submitted score of the round is read for display (the z-scores still come from the stored sums)."""
    aggregates = list(with_projects(ranked(round)))
    rows = rows_for(round, aggregates, start=1, money=money, cumulative=Decimal("0.00"), experts=experts,
                    whole_round=True)
    if money is not None:
        committed = money.committed
    else:
        committed = sum((r.project.approved_amount for r in rows
                         if r.project.state not in NOT_TAKING_MONEY | DECIDABLE and r.project.state != State.TERMINATED
                         and r.project.approved_amount), Decimal("0.00"))
    return Ranking(rows, round.pot, committed, round.aggregation)


def decidable(round: GrantRound) -> QuerySet[ReviewAggregate]:
    """The ranked projects awaiting a decision and with a score (those fill-down and the defense
    shortlist offer), in rank order."""
    return ranked(round).filter(state__in=list(DECIDABLE), final__isnull=False)


def positions(round: GrantRound, keys: list[str], *, after: tuple[str, int] | None = None) -> list[int]:
    """The ranking positions of the rows with these rank keys (ascending): a count of the rows before
    the first and the keys from the first to the last, so the cost follows the span, not the round.
    `after`: the rank key and position of a row before the first (the last of a previous chunk), so
    the count is not needed."""
    if not keys:
        return []
    span = ranked(round).filter(rank_key__lte=keys[-1])
    if after is None:
        before = ranked(round).filter(rank_key__lt=keys[0]).order_by().count()
        span = span.filter(rank_key__gte=keys[0])
    else:
        before = after[1]
        span = span.filter(rank_key__gt=after[0])
    at = {key: n for n, key in enumerate(span.values_list("rank_key", flat=True), start=before + 1)}
    return [at[key] for key in keys]


def rows_at(round: GrantRound, aggregates: list[ReviewAggregate], *,
            after: tuple[str, int] | None = None) -> list[Row]:
    """ranking.Row objects for stored rows in rank order but not consecutive (one page of the rows a
    page offers), each at its own position (`after`: as for `positions`); without the money columns,
    which only mean something for consecutive rows."""
    rows = rows_for(round, aggregates, start=0, money=None, cumulative=Decimal("0.00"), experts=False)
    for row, at in zip(rows, positions(round, [a.rank_key for a in aggregates], after=after), strict=True):
        row.position = at
        row.cumulative = row.remaining = None
        row.within_pot = True
    return rows


def rows_of(round: GrantRound, project_ids: list[int]) -> dict[int, Row]:
    """The rows of these projects by project id, wherever they stand in the ranking (positions not
    set): for a page that shows their scores, not their places."""
    aggregates = list(with_projects(ranked(round).filter(project_id__in=project_ids))) if project_ids else []
    rows = rows_for(round, aggregates, start=0, money=None, cumulative=Decimal("0.00"), experts=False)
    return {row.project.pk: row for row in rows}


def decidable_page(round: GrantRound, number, *, excluding: list[int], per_page: int = PAGE_SIZE) -> Page:
    """One page (`number` as in ?page=) of the decidable, scored projects other than `excluding`, in
    rank order; `page.object_list` holds their ranking.Row objects at their positions."""
    shown = Paginator(decidable(round).exclude(project_id__in=excluding).values_list("project_id", flat=True),
                      per_page).get_page(number)
    ids = list(shown.object_list)
    by_pk = {a.pk: a for a in with_projects(ReviewAggregate.objects.filter(pk__in=ids))}
    shown.object_list = rows_at(round, [by_pk[pk] for pk in ids if pk in by_pk])  # type: ignore[assignment]
    return shown


def disputed(round: GrantRound) -> list[Row]:
    """The disputed projects of the ranking, in rank order, with their experts' scores (positions not set)."""
    aggregates = list(ranked(round).filter(disputed=True).select_related("project__organization"))
    return rows_for(round, aggregates, start=0, money=None, cumulative=Decimal("0.00"))


def in_rank_order(round: GrantRound, project_ids) -> list[int]:
    """The given projects of the ranking, in rank order (a batch of decisions is applied in this order)."""
    return list(ranked(round).filter(project_id__in=list(project_ids)).values_list("project_id", flat=True))


def position(round: GrantRound, key: str) -> int:
    return ranked(round).filter(rank_key__lt=key).order_by().count() + 1
