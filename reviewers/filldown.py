"""Fill-down to the pot on the decision page: the proposal (reviewers.filldown_rules over the
officers' ranking and the money the pot has left, read by the caller from finance.commitments) and
its confirmation, which records every decision through reviewers.services.decide, so each one runs
the project lifecycle's own checks (pot, amounts, rank order with its reason)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from projects import budget
from projects.models import BudgetLine
from projects.states import State
from reviewers import ranking, services
from reviewers.errors import ReviewError
from reviewers.filldown_rules import CUT, FUND, RESERVE, Candidate, Proposal, propose
from reviewers.panel_models import PanelAudit, PanelPolicy
from reviewers.rank_order import passed_over


@dataclass
class Plan:
    proposal: Proposal
    rows: dict[int, ranking.Row]
    pending_defense: list[ranking.Row]  # shortlisted projects still without a defense score
    passed_over: list[ranking.Row]  # decided and unfunded projects ranked above the first funded one

    @property
    def fingerprint(self) -> str:
        """What the officer saw: the lines and the money left. A confirmation of a stale page is refused."""
        text = ";".join(f"{x.project_id}:{x.kind}:{x.amount}" for x in self.proposal.lines)
        return hashlib.sha256(f"{self.proposal.left_before}|{text}".encode()).hexdigest()[:16]


def plan(round, ranked: ranking.Ranking, *, left: Decimal, policy: PanelPolicy) -> Plan:
    rows = {row.project.pk: row for row in ranked.rows}
    candidates = [Candidate(row.project.pk, row.project.requested_amount, row.position)
                  for row in ranked.rows if row.decidable and row.score is not None]

    def cut_problems(project_id: int, amount: Decimal) -> list[str]:
        lines = BudgetLine.objects.filter(project_id=project_id)
        return budget.problems(round, lines, amount, basis="核定")

    proposal = propose(candidates, left=left, min_amount=round.min_amount, reserve_count=policy.reserve_count,
                       allow_cut=policy.allow_cut, cut_problems=cut_problems)
    pending = [row for row in ranked.rows if row.adjusted and row.adjusted.defense_pending and row.decidable]
    first = proposal.funded[0].project_id if proposal.funded else None
    return Plan(proposal, rows, pending, passed_over(ranked, first) if first else [])


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
        elif line.kind == RESERVE and plan.rows[line.project_id].project.state != State.WAITLISTED:
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
