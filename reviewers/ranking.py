"""The officers' ranking of a round, built from already-fetched rows (no queries here).

Aggregation, disagreement, z-scores and the tie rule are reviewers.aggregation's; this module
applies them per project and adds the money view: in rank order, the amount each project would
take, the cumulative sum against the pot and what remains. A funded project takes what it holds of
the pot by finance.commitments (a terminated one: what it was paid and has not repaid), an undecided
one its request (or the amount being proposed); waitlisted and rejected projects take nothing. The
figures come from the caller's `money` (finance.commitments.round_money), the one truth every money
page reads.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from projects import guards
from projects.states import State
from reviewers.aggregation import RankEntry, aggregate, is_disputed, rank, spread, zscores
from reviewers.panel_rules import Adjusted, PanelFacts, adjust

NOT_TAKING_MONEY = {State.WAITLISTED, State.REJECTED}
DECIDABLE = {State.REVIEWED, State.WAITLISTED}


@dataclass
class ExpertScore:
    expert: str
    total: Decimal
    z: Decimal


@dataclass
class Row:
    position: int
    project: Any  # a projects.Project fetched lean by reviewers.selectors.ranking_inputs
    score: Decimal | None
    experts: list[ExpertScore]
    spread: Decimal
    disputed: bool
    mean_z: Decimal | None
    amount: Decimal
    cumulative: Decimal | None = None
    remaining: Decimal | None = None
    within_pot: bool = True
    budget_problems: list[str] = field(default_factory=list)
    # The written aggregate, defense, blend and preferences behind `score` (reviewers.panel_rules).
    adjusted: Adjusted | None = None

    @property
    def written(self) -> Decimal | None:
        return self.adjusted.written if self.adjusted else self.score

    @property
    def decidable(self) -> bool:
        return self.project.state in DECIDABLE


@dataclass
class Ranking:
    rows: list[Row]
    pot: Decimal
    approved_total: Decimal
    method: str

    @property
    def remaining(self) -> Decimal:
        return self.pot - self.approved_total


def _weights(assignments) -> list[Decimal]:
    return [a.expert.weight for a in assignments]


def build(round, projects, submitted, money=None, *, extras: PanelFacts | None = None) -> Ranking:
    """`money`: the round's finance.commitments.RoundMoney; without it (the rank-order check, which
    needs only the order) the money columns count approved amounts. `extras`: the round's oral
    defense and preferences (reviewers.panel_selectors.panel_facts); the ranked score is then the
    blend plus bonuses."""
    by_project: dict[int, list] = {}
    for a in submitted:
        by_project.setdefault(a.project_id, []).append(a)
    by_expert: dict[int, dict[int, Decimal]] = {}
    for a in submitted:
        by_expert.setdefault(a.expert.id, {})[a.project_id] = a.total
    z = zscores(by_expert)
    method, rubric = round.aggregation, round.rubric

    scored = []
    for project in projects:
        panel = sorted(by_project.get(project.pk, []), key=lambda a: a.expert.name)
        weights = _weights(panel) if method == "weighted" else None
        written = aggregate([a.total for a in panel], method, weights)
        scored.append((project, panel, weights, adjust(extras, project.pk, written)))
    # Criteria scores only break ties, so they are aggregated only where two totals are equal.
    tied = {key for key, n in Counter((a.tier, a.final, a.preferred) for *_, a in scored).items() if n > 1}

    entries, facts = [], {}
    for project, panel, weights, adjusted in scored:
        score = adjusted.final
        totals = [a.total for a in panel]
        # A criterion without a score (a rubric changed outside the designer's locks) counts 0, never a 500.
        criteria = tuple(
            aggregate([Decimal(str(a.scores.get(c["code"], "0"))) for a in panel], method, weights) or Decimal("0")
            for c in rubric
        ) if panel and (adjusted.tier, score, adjusted.preferred) in tied else ()
        submitted_at = project.submitted_at.timestamp() if project.submitted_at else 0
        entries.append(RankEntry(project.pk, score, criteria, project.requested_amount, int(submitted_at),
                                 adjusted.tier, adjusted.preferred))
        experts = [ExpertScore(a.expert.name, a.total, z[(a.expert.id, project.pk)]) for a in panel]
        mean_z = (sum((e.z for e in experts), Decimal("0")) / len(experts)).quantize(Decimal("0.001")) if experts else None
        facts[project.pk] = (project, score, experts, spread(totals), is_disputed(totals, round.disagreement_threshold),
                             mean_z, adjusted)

    rows, cumulative = [], Decimal("0.00")
    for position, entry in enumerate(rank(entries), start=1):
        project, score, experts, sp, disputed, mean_z, adjusted = facts[entry.project_id]
        amount = project.approved_amount if project.approved_amount is not None else project.requested_amount
        row = Row(position, project, score, experts, sp, disputed, mean_z, amount, adjusted=adjusted)
        held = money.projects.get(project.pk) if money is not None else None
        if held is not None:
            cumulative += held.committed
            row.cumulative, row.remaining = cumulative, round.pot - cumulative
            row.within_pot = cumulative <= round.pot
        elif project.state not in NOT_TAKING_MONEY and project.state != State.TERMINATED:
            cumulative += amount
            row.cumulative, row.remaining = cumulative, round.pot - cumulative
            row.within_pot = cumulative <= round.pot
        if project.approved_amount is not None and project.approved_amount < project.requested_amount:
            row.budget_problems = guards.budget_fits_approved(project)
        rows.append(row)
    if money is not None:
        committed = money.committed
    else:
        committed = sum((p.approved_amount for p in projects
                         if p.state not in NOT_TAKING_MONEY | DECIDABLE and p.state != State.TERMINATED
                         and p.approved_amount), Decimal("0.00"))
    return Ranking(rows, round.pot, committed, method)
