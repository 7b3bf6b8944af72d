"""Stored review aggregates: one ReviewAggregate row per project, one ExpertRoundStats row per expert
and round, kept current in the same transaction as every change that moves a project's ranking.

The rows hold what reviewers.ranking.build computes from every score of the round, so the ranking
page reads one page of rows through the (round, rank_key) index instead of aggregating 500,000
scores per request. They are computed by the same pure functions (reviewers.aggregation,
reviewers.panel_rules), so `rebuild_review_aggregates --verify` can prove that nothing drifted.

Who calls `refresh` (always inside the caller's transaction): review submission, reopening, revision
in the discussion, a defense score, the shortlist, project acceptance for review (receivers). Whole
rounds are rebuilt when the panel policy changes (blend weight, preferences), when the shortlist
becomes empty or non-empty (whether the round holds a defense changes every project's tier) and when
an expert's weight changes in a round aggregated by weight. The disagreement threshold is applied to
the stored spread when the round is saved (receivers). The rubric and aggregation method cannot change
once scores exist (grants.rules.round_changes); if they were changed anyway (the admin), run
`manage.py rebuild_review_aggregates --round ID`. Organization ratings and earlier 优秀 grades feed the
preferences: after changing them during a ranking, rebuild the round (the same command).

The rank key: reviewers.aggregation._key as one fixed-width string of digits, so ORDER BY rank_key is
the documented tie rule and "every row before this one" is rank_key < its key:
  missing(1) tier(1) score desc(10) preferences desc(2) [criteria desc (10 each), scored rows only]
  requested asc(15, fen) submission second asc(12) project id(12).
Criteria aggregates only break ties of the prefix before them, so storing them always orders exactly
as the build that computes them only for tied groups.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q

from grants.models import GrantRound
from projects.models import Project
from projects.states import State
from reviewers.aggregate_models import ExpertRoundStats, ReviewAggregate
from reviewers.aggregation import _MILLI, aggregate, is_disputed, spread
from reviewers.models import Assignment, AssignmentState, Expert
from reviewers.panel_rules import PanelFacts, adjust
from reviewers.panel_selectors import panel_facts

# Projects that are not (yet or any more) in the ranking, as reviewers.selectors.ranking_inputs.
NOT_RANKED = [State.DRAFT, State.SUBMITTED, State.RETURNED, State.INELIGIBLE, State.WITHDRAWN]
BATCH = 5000
_SCORE_OFFSET = 5_000_000_000  # descending fixed-width encoding of a score in hundredths
FIELDS = ("round_id", "n", "total_sum", "total_min", "total_max", "weighted_sum", "weight_sum", "criteria",
          "written", "final", "tier", "preferred", "spread", "disputed", "requested", "submitted_at", "rank_key",
          "state", "approved")
PROJECT_FIELDS = ("pk", "requested_amount", "submitted_at", "state", "approved_amount")


@dataclass(frozen=True, slots=True)
class Review:
    expert_id: int
    name: str
    weight: Decimal
    scores: dict
    total: Decimal


def _cents(value: Decimal) -> int:
    return int((Decimal(value) * 100).to_integral_value())


def _desc(value: Decimal) -> str:
    return f"{_SCORE_OFFSET - _cents(value):010d}"


def rank_key(*, final, tier: int, preferred: int, criteria: Iterable[Decimal], requested: Decimal,
             submitted_at, project_id: int) -> str:
    missing = final is None
    parts = ["1" if missing else "0", f"{min(tier, 9):01d}", "0" * 10 if missing else _desc(final),
             f"{99 - min(preferred, 99):02d}"]
    if not missing:
        parts += [_desc(c) for c in criteria]
    parts.append(f"{max(_cents(requested), 0):015d}")
    parts.append(f"{int(submitted_at.timestamp()) if submitted_at else 0:012d}")
    parts.append(f"{project_id:012d}")
    return "".join(parts)


def compute(round: GrantRound, project: tuple, reviews: list[Review], facts: PanelFacts | None) -> ReviewAggregate:
    """One project's row, from its submitted reviews, exactly as reviewers.ranking.build ranks it.
    `project`: its PROJECT_FIELDS values."""
    project_id, requested, submitted_at, state, approved = project
    method = round.aggregation
    panel = sorted(reviews, key=lambda r: r.name)
    totals = [r.total for r in panel]
    weights = [r.weight for r in panel] if method == "weighted" else None
    written = aggregate(totals, method, weights)
    adjusted = adjust(facts, project_id, written)
    criteria, criteria_aggs = {}, []
    for c in round.rubric:
        values = [Decimal(str(r.scores.get(c["code"], "0"))) for r in panel]
        agg = (aggregate(values, method, weights) or Decimal("0")) if panel else Decimal("0")
        criteria_aggs.append(agg)
        criteria[c["code"]] = {"sum": str(sum(values, Decimal("0"))), "n": sum(1 for r in panel if c["code"] in r.scores),
                               "agg": str(agg)}
    return ReviewAggregate(
        project_id=project_id, round_id=round.pk, n=len(panel), total_sum=sum(totals, Decimal("0")),
        total_min=min(totals) if totals else None, total_max=max(totals) if totals else None,
        weighted_sum=sum((r.total * r.weight for r in panel), Decimal("0")),
        weight_sum=sum((r.weight for r in panel), Decimal("0")), criteria=criteria,
        written=written, final=adjusted.final, tier=adjusted.tier, preferred=adjusted.preferred,
        spread=spread(totals), disputed=is_disputed(totals, round.disagreement_threshold),
        requested=requested, submitted_at=submitted_at, state=state, approved=approved,
        rank_key=rank_key(final=adjusted.final, tier=adjusted.tier, preferred=adjusted.preferred,
                          criteria=criteria_aggs, requested=requested, submitted_at=submitted_at,
                          project_id=project_id),
    )


def _reviews(assignments) -> dict[int, list[Review]]:
    by_project: dict[int, list[Review]] = {}
    for project_id, expert_id, name, weight, scores, total in assignments.values_list(
            "project_id", "expert_id", "expert__name", "expert__weight", "scores", "total").iterator(chunk_size=BATCH):
        if total is not None:
            by_project.setdefault(project_id, []).append(Review(expert_id, name, weight, scores, total))
    return by_project


def _stats(expert_id: int, round_id: int, totals: list[Decimal]) -> ExpertRoundStats:
    ints = [_cents(t) for t in totals]
    return ExpertRoundStats(expert_id=expert_id, round_id=round_id, n=len(ints), total=sum(ints),
                            squares=sum(x * x for x in ints))


def zscore(stats: ExpertRoundStats | None, total: Decimal) -> Decimal:
    """reviewers.aggregation.zscores for one score, from the expert's stored sums:
    z = (n·x − Σx) / √(n·Σx² − (Σx)²) on hundredths, the same integers and the same 60-digit root."""
    zero = Decimal("0.000")
    if stats is None or stats.n < 2:
        return zero
    spread_sq = stats.n * stats.squares - stats.total * stats.total
    if spread_sq == 0:
        return zero
    with localcontext() as ctx:
        ctx.prec = 60
        root = Decimal(spread_sq).sqrt()
        z = Decimal(stats.n * _cents(total) - stats.total) / root
        return z.quantize(_MILLI, rounding=ROUND_HALF_UP) + 0


# ---------------------------------------------------------------- keeping rows current

# Called with the round ids whose stored rows changed, in the same transaction (reviewers.panel_jobs
# outdates the stored 评审汇总表: a reopened or revised review, a defense score, a new weight or
# threshold changes it without any project changing state).
_listeners: list[Callable[[set[int]], None]] = []


def on_change(listener: Callable[[set[int]], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def _changed(round_ids: set[int]) -> None:
    for listener in _listeners:
        listener(round_ids)


def refresh(project_ids: Iterable[int], *, expert_ids: Iterable[int] = ()) -> None:
    """Recomputes the projects' rows (and the given experts' statistics in those projects' round)
    from their submitted reviews. Call inside the transaction that changed them: the project rows
    are locked first, so two experts submitting on one project at once cannot both write a row that
    misses the other's score."""
    ids = sorted({int(i) for i in project_ids})
    if not ids:
        return
    with transaction.atomic():
        projects = list(Project.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
                        .values_list("round_id", *PROJECT_FIELDS))
        experts = sorted({int(e) for e in expert_ids})
        if experts:
            list(Expert.objects.select_for_update().filter(pk__in=experts).order_by("pk").values_list("pk"))
        for round_id in sorted({p[0] for p in projects}):
            round = GrantRound.objects.get(pk=round_id)
            mine = [p[1:] for p in projects if p[0] == round_id]
            pks = [p[0] for p in mine]
            reviews = _reviews(Assignment.objects.filter(project_id__in=pks, state=AssignmentState.SUBMITTED))
            facts = panel_facts(round, pks)
            ReviewAggregate.objects.filter(pk__in=pks).delete()
            ReviewAggregate.objects.bulk_create([compute(round, p, reviews.get(p[0], []), facts) for p in mine])
            if experts:
                refresh_experts(round_id, experts)
        _changed({p[0] for p in projects})


def refresh_experts(round_id: int, expert_ids: Iterable[int]) -> None:
    ids = list(expert_ids)
    totals: dict[int, list[Decimal]] = {e: [] for e in ids}
    for expert_id, total in Assignment.objects.filter(
            expert_id__in=ids, project__round_id=round_id, state=AssignmentState.SUBMITTED,
            total__isnull=False).values_list("expert_id", "total"):
        if total is not None:
            totals[expert_id].append(total)
    ExpertRoundStats.objects.filter(round_id=round_id, expert_id__in=ids).delete()
    ExpertRoundStats.objects.bulk_create([_stats(e, round_id, t) for e, t in totals.items() if t])


def refresh_round_flags(round: GrantRound) -> None:
    """The disagreement flag follows the round's threshold (it is not locked once scores exist)."""
    ReviewAggregate.objects.filter(round=round).update(disputed=ExpressionWrapper(
        Q(spread__gt=round.disagreement_threshold), output_field=BooleanField()))
    _changed({round.pk})


def refresh_expert_weight(expert_id: int) -> None:
    """An expert's weight counts only in rounds aggregated by weight: rebuild the projects they scored there."""
    for round_id in (Assignment.objects.filter(expert_id=expert_id, state=AssignmentState.SUBMITTED,
                                               project__round__aggregation="weighted")
                     .values_list("project__round_id", flat=True).distinct()):
        refresh(Assignment.objects.filter(expert_id=expert_id, state=AssignmentState.SUBMITTED,
                                          project__round_id=round_id).values_list("project_id", flat=True))


# ---------------------------------------------------------------- whole rounds

def expected(round: GrantRound) -> tuple[list[ReviewAggregate], list[ExpertRoundStats]]:
    """Every row of the round recomputed from its scores (a fixed number of queries, no writes)."""
    if connection.vendor == "postgresql":
        # Freshly bulk-loaded tables (the scale seed, a restore) have no statistics yet, and a cursor's
        # fast-start plan over them can take minutes for what a hash join does in a second.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Project._meta.db_table}, {Assignment._meta.db_table}, {Expert._meta.db_table}")
    submitted = Assignment.objects.filter(project__round=round, state=AssignmentState.SUBMITTED)
    reviews = _reviews(submitted)
    facts = panel_facts(round)
    rows = [compute(round, p, reviews.get(p[0], []), facts)
            for p in Project.objects.filter(round=round).order_by("pk").values_list(*PROJECT_FIELDS)
            .iterator(chunk_size=BATCH)]
    by_expert: dict[int, list[Decimal]] = {}
    for project_reviews in reviews.values():
        for r in project_reviews:
            by_expert.setdefault(r.expert_id, []).append(r.total)
    stats = [_stats(e, round.pk, t) for e, t in sorted(by_expert.items())]
    return rows, stats


def rebuild_round(round: GrantRound) -> int:
    """Replaces the round's rows by freshly computed ones; returns the number of project rows."""
    rows, stats = expected(round)
    with transaction.atomic():
        ReviewAggregate.objects.filter(round=round).delete()
        ReviewAggregate.objects.bulk_create(rows, batch_size=BATCH)
        ExpertRoundStats.objects.filter(round=round).delete()
        ExpertRoundStats.objects.bulk_create(stats, batch_size=BATCH)
        if connection.vendor == "postgresql":  # fresh rows: give the planner their statistics at once
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {ReviewAggregate._meta.db_table}, {ExpertRoundStats._meta.db_table}")
    return len(rows)


def project_moved(project) -> None:
    """A transition changed the project's state (and perhaps its approved amount): its row follows."""
    ReviewAggregate.objects.filter(pk=project.pk).update(state=project.state, approved=project.approved_amount)


def _same(a, b) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in FIELDS)


def drift(round: GrantRound) -> tuple[int, int, list[int]]:
    """(drifting project rows, drifting expert statistics, up to 20 drifting project ids) without writing.
    A missing row of a project in the ranking, or a row of a project no longer in the round, is a drifting row."""
    rows, stats = expected(round)
    stored = {a.pk: a for a in ReviewAggregate.objects.filter(round=round).iterator(chunk_size=BATCH)}
    # A project that never entered review (a draft, a returned application) needs no row until it does.
    bad = [r.project_id for r in rows if (r.project_id not in stored and r.state not in NOT_RANKED)
           or (r.project_id in stored and not _same(r, stored.pop(r.project_id)))]
    bad += list(stored)  # rows of projects no longer in the round
    stored_stats = {(s.expert_id): s for s in ExpertRoundStats.objects.filter(round=round)}
    bad_stats = 0
    for s in stats:
        mine = stored_stats.pop(s.expert_id, None)
        if mine is None or (mine.n, mine.total, mine.squares) != (s.n, s.total, s.squares):
            bad_stats += 1
    bad_stats += len(stored_stats)
    return len(bad), bad_stats, sorted(bad)[:20]


def defense_held(round: GrantRound) -> bool:
    """Whether the round holds a defense now (panel_rules.PanelFacts.holds_defense): it decides every tier."""
    return panel_facts(round, []).holds_defense


def after_shortlist(round: GrantRound, project_ids: Iterable[int], *, held_before: bool) -> None:
    """The shortlist changed: the projects' rows, or the whole round when that started or ended the defense."""
    if defense_held(round) != held_before:
        rebuild_round(round)
    else:
        refresh(project_ids)
