"""Fill-down to the pot on the decision page: the proposal (reviewers.filldown_rules over the
officers' ranking and the money the pot has left, read by the caller from finance.commitments) and
its confirmation, which records every decision through reviewers.services.decide, so each one runs
the project lifecycle's own checks (pot, amounts, rank order with its reason).

The plan reads the stored ranking (reviewers.stored_ranking) from its first decidable row onwards, a
chunk at a time, and stops once the proposal is complete (pot used, reserve list full): its cost
follows the lines it proposes, not the round."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from projects import budget
from projects.models import BudgetLine, Project
from projects.states import State
from reviewers import ranking, services, stored_ranking
from reviewers.errors import ReviewError
from reviewers.filldown_rules import CUT, FUND, RESERVE, Candidate, Line, Proposal, propose
from reviewers.panel_models import DefenseSlot, PanelAudit, PanelPolicy
from reviewers.rank_order import NOT_FUNDED

MAX_CHUNK = 2000  # rows read at once
FIRST_HINT = 250  # stored amounts read at once to size the first chunk (small enough for the index), then twice as many
PASSED_OVER_SHOWN = 20  # passed-over projects named on the page; the others are counted


@dataclass
class Plan:
    proposal: Proposal
    states: dict[int, str]  # the project state of every candidate read: every line's among them
    pending_defense: list[ranking.Row]  # shortlisted projects still without a defense score (positions not set)
    # Decided and unfunded projects ranked above the first funded one: the first PASSED_OVER_SHOWN, and how many.
    passed_over: list[Project] = field(default_factory=list)
    passed_over_count: int = 0

    @property
    def fingerprint(self) -> str:
        """What the officer saw: the lines and the money left. A confirmation of a stale page is refused."""
        text = ";".join(f"{x.project_id}:{x.kind}:{x.amount}" for x in self.proposal.lines)
        return hashlib.sha256(f"{self.proposal.left_before}|{text}".encode()).hexdigest()[:16]


def _needed(round, left: Decimal, reserve_count: int) -> int:
    """How many candidates the proposal reads: those whose requested amounts fit in `left`, the next
    one and the reserve list, by the stored amounts alone (a hint only: the reader goes on if the
    projects' own amounts need more)."""
    fitting, total, after, size = 0, Decimal("0.00"), None, FIRST_HINT
    while True:
        chunk = stored_ranking.decidable(round)
        if after is not None:
            chunk = chunk.filter(rank_key__gt=after)
        amounts = list(chunk.values_list("rank_key", "requested")[:size])
        for _key, requested in amounts:
            total += requested
            if total > left:
                return fitting + 1 + reserve_count
            fitting += 1
        if len(amounts) < size:
            return fitting + 1 + reserve_count
        after, size = amounts[-1][0], min(size * 2, MAX_CHUNK)


def _candidates(round, size: int, states: dict[int, str], keys: dict[int, str]) -> Iterator[Candidate]:
    """The decidable, scored projects in rank order, read `size` at a time (then twice as many) while
    the proposal asks for more, as plain values (a 100k round's proposal has over a thousand lines:
    the page builds full rows for the lines it shows only); their states are kept in `states` and their
    rank keys in `keys`."""
    after: tuple[str, int] | None = None  # the last row read: its rank key and position
    while True:
        chunk = stored_ranking.decidable(round)
        if after is not None:
            chunk = chunk.filter(rank_key__gt=after[0])
        read = list(chunk.values_list("project_id", "rank_key", "project__requested_amount", "project__state")[:size])
        at = stored_ranking.positions(round, [key for _, key, _, _ in read], after=after)
        for (project_id, key, requested, state), position in zip(read, at, strict=True):
            states[project_id], keys[project_id] = state, key
            yield Candidate(project_id, requested, position)
        if len(read) < size:
            return
        after, size = (read[-1][1], at[-1]), min(size * 2, MAX_CHUNK)


def _pending_defense(round, policy: PanelPolicy) -> list[ranking.Row]:
    """Shortlisted, decidable projects without a defense score, in rank order (only a round that
    holds a defense has them: a weight above 0 and a shortlist)."""
    if policy.defense_weight <= 0:
        return []
    shortlisted = stored_ranking.ranked(round).filter(
        state__in=list(ranking.DECIDABLE),
        project_id__in=DefenseSlot.objects.filter(round=round).values("project_id"))
    aggregates = list(stored_ranking.with_projects(shortlisted))
    rows = stored_ranking.rows_for(round, aggregates, start=0, money=None, cumulative=Decimal("0.00"),
                                   experts=False)
    return [row for row in rows if row.adjusted and row.adjusted.defense_pending]


def plan(round, *, left: Decimal, policy: PanelPolicy) -> Plan:
    """The proposal for the money `left` in the pot (finance.commitments)."""
    states: dict[int, str] = {}
    keys: dict[int, str] = {}

    def cut_problems(project_id: int, amount: Decimal) -> list[str]:
        lines = BudgetLine.objects.filter(project_id=project_id)
        return budget.problems(round, lines, amount, basis="核定")

    size = min(_needed(round, left, policy.reserve_count), MAX_CHUNK)
    proposal = propose(_candidates(round, size, states, keys), left=left, min_amount=round.min_amount,
                       reserve_count=policy.reserve_count, allow_cut=policy.allow_cut, cut_problems=cut_problems)
    result = Plan(proposal, states, _pending_defense(round, policy))
    if proposal.funded:  # the first funded line is the first candidate: every project above it is decided
        above = stored_ranking.ranked(round).filter(rank_key__lt=keys[proposal.funded[0].project_id],
                                                    state__in=list(NOT_FUNDED))
        result.passed_over_count = above.order_by().count()
        if result.passed_over_count:
            result.passed_over = [agg.project for agg in above.select_related("project")[:PASSED_OVER_SHOWN]]
    return result


def shown_rows(round, lines: Iterable[Line]) -> dict[int, ranking.Row]:
    """The ranking rows (project, score) of the proposal lines a page shows, by project id."""
    return stored_ranking.rows_of(round, [line.project_id for line in lines])


def confirm(*, actor, round_id: int, plan: Plan, shown: str, reason: str = "") -> list:
    """Records the proposal as decisions: approve each funded line (a cut one with its reason),
    waitlist the reserve list in order. All or nothing."""
    services._require_officer(actor, "确认递补资助建议")
    if shown != plan.fingerprint:
        raise ReviewError("排名或资金池在您查看建议后已发生变化，请查看最新建议后再确认")
    if plan.pending_defense:
        raise ReviewError("以下入围答辩的项目尚未录入答辩评分："
                          + "、".join(row.project.code for row in plan.pending_defense))
    if not plan.proposal.lines:
        raise ReviewError("没有可以决定的项目")
    reason = (reason or "").strip()
    decisions = []
    for line in plan.proposal.lines:
        if line.kind == FUND:
            decisions.append(services.Decision(line.project_id, "approve", str(line.amount), reason))
        elif line.kind == CUT:
            note = f"按排名递补资助，资金池余额 {line.amount} 元不足申请金额 {line.requested} 元，核减资助"
            decisions.append(services.Decision(line.project_id, "approve", str(line.amount),
                                               f"{note}。{reason}" if reason else note))
        elif line.kind == RESERVE and plan.states[line.project_id] != State.WAITLISTED:
            number = plan.proposal.reserve.index(line) + 1
            decisions.append(services.Decision(line.project_id, "waitlist", "",
                                               f"列入备选名单第{number}位（资金池已分配完毕，有项目放弃或撤销时按序递补）"))
    if not decisions:
        raise ReviewError("建议中没有需要新作出的决定：备选项目已在候补名单中")
    with transaction.atomic():
        done = services.decide(actor=actor, round_id=round_id, decisions=decisions)
        PanelAudit.objects.create(
            round_id=round_id, actor=actor, action="filldown_confirmed",
            comment=(f"确认递补资助建议：资助 {len(plan.proposal.funded)} 项，合计 {plan.proposal.total} 元；"
                     f"备选 {len(plan.proposal.reserve)} 项")[:500],
            data={"left_before": str(plan.proposal.left_before), "reason": reason,
                  "lines": [{"project": x.project_id, "kind": x.kind, "amount": str(x.amount)}
                            for x in plan.proposal.lines]})
    return done
