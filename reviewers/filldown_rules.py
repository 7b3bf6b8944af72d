"""Fill-down to the pot (pure): in rank order, fund each decidable project at its requested amount
while the money left in the pot covers it. The first one that does not fit is offered what is left
(when the round allows a cut and what is left reaches the round's minimum per project), with the
labor-cost rule re-checked on the cut amount; funding stops there, never skipping a project (that
would fund out of rank order). The next `reserve_count` projects form the reserve list (备选).

`left` is what the pot has left after every decision already made (finance.commitments, read by
the caller): undecided projects hold nothing yet.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

FUND = "fund"
CUT = "cut"
RESERVE = "reserve"


@dataclass(frozen=True)
class Candidate:
    project_id: int
    requested: Decimal
    position: int  # in the ranking


@dataclass(frozen=True)
class Line:
    project_id: int
    position: int
    kind: str  # FUND, CUT or RESERVE
    amount: Decimal  # proposed amount (0 on the reserve list)
    requested: Decimal
    problems: tuple[str, ...] = ()  # the budget rules broken by a cut amount


@dataclass
class Proposal:
    left_before: Decimal
    lines: list[Line] = field(default_factory=list)

    @property
    def funded(self) -> list[Line]:
        return [line for line in self.lines if line.kind in (FUND, CUT)]

    @property
    def reserve(self) -> list[Line]:
        return [line for line in self.lines if line.kind == RESERVE]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.funded), Decimal("0.00"))

    @property
    def left_after(self) -> Decimal:
        return self.left_before - self.total


def propose(candidates: Iterable[Candidate], *, left: Decimal, min_amount: Decimal, reserve_count: int,
            allow_cut: bool, cut_problems: Callable[[int, Decimal], Sequence[str]] = lambda pid, amount: ()
            ) -> Proposal:
    """`candidates` in rank order, read only until the proposal is complete (a lazy reader stops
    there). `cut_problems(project_id, amount)` returns the budget rules a cut amount breaks (the
    labor share ≤ 50% among them); they are shown, not hidden: the budget is revised before signing."""
    proposal = Proposal(left)
    remaining = left
    funding = True
    for c in candidates:
        if funding and c.requested <= remaining:
            proposal.lines.append(Line(c.project_id, c.position, FUND, c.requested, c.requested))
            remaining -= c.requested
            continue
        if funding:
            funding = False
            if allow_cut and remaining > 0 and remaining >= min_amount:
                amount = remaining.quantize(Decimal("0.01"))
                proposal.lines.append(Line(c.project_id, c.position, CUT, amount, c.requested,
                                           tuple(cut_problems(c.project_id, amount))))
                remaining -= amount
                if reserve_count <= 0:
                    break
                continue
        if len(proposal.reserve) < reserve_count:
            proposal.lines.append(Line(c.project_id, c.position, RESERVE, Decimal("0.00"), c.requested))
        if len(proposal.reserve) >= reserve_count:
            break
    return proposal
