"""Balances from the money ledger, and the checks that they reconcile.

Pure functions over plain numbers: the selectors feed them the sums of the ledger (one query) and
the sums of the tranche table (one query), so a page can show totals and prove they agree.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import format_yuan

ZERO = Decimal("0.00")
STATES = ("planned", "releasable", "in_batch", "paid", "withheld", "cancelled")


@dataclass
class Totals:
    """One round (or one slice of it) in yuan, every figure derived from ledger entries."""

    pot: Decimal | None = None
    approved: Decimal = ZERO
    states: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(STATES, ZERO))
    clawed_back: Decimal = ZERO
    repaid: Decimal = ZERO

    @property
    def unallocated(self) -> Decimal | None:
        return None if self.pot is None else self.pot - self.approved

    @property
    def paid(self) -> Decimal:
        return self.states["paid"]

    @property
    def outstanding(self) -> Decimal:
        """Still to be paid if the project goes on: planned, releasable and batched tranches."""
        return self.states["planned"] + self.states["releasable"] + self.states["in_batch"]

    @property
    def clawback_outstanding(self) -> Decimal:
        return self.clawed_back - self.repaid

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.repaid

    def __getattr__(self, name: str) -> Decimal:
        # totals.releasable, totals.withheld … read like the other figures in templates.
        states = self.__dict__.get("states", {})
        if name in states:
            return states[name]
        raise AttributeError(name)


def totals_from_sums(sums: Mapping[str, Decimal | None], pot: Decimal | None = None) -> Totals:
    """`sums` holds the ledger aggregates: in_<state>, out_<state>, clawed_back, repaid, approved."""
    totals = Totals(pot=pot)
    for state in STATES:
        totals.states[state] = (sums.get(f"in_{state}") or ZERO) - (sums.get(f"out_{state}") or ZERO)
    totals.approved = sums.get("approved") or ZERO
    totals.clawed_back = sums.get("clawed_back") or ZERO
    totals.repaid = sums.get("repaid") or ZERO
    return totals


def reconciliation_problems(totals: Totals, tranche_sums: Mapping[str, Decimal] | None = None) -> list[str]:
    """Every way the figures fail to reconcile (empty when all is well)."""
    problems = []
    state_total = sum(totals.states.values(), ZERO)
    if totals.approved != state_total:
        problems.append(
            f"核定金额 {format_yuan(totals.approved)} 元与各状态合计 {format_yuan(state_total)} 元不一致"
        )
    # Against the pot counts what the signed projects still hold: a tranche given up for good
    # (termination, a settlement cut) and a repaid claw-back are back in the pot (finance.commitments),
    # so funding another project with them is not an over-commitment.
    held = totals.approved - totals.cancelled - totals.repaid
    if totals.pot is not None and held > totals.pot:
        problems.append(f"核定金额合计超出资金总额 {format_yuan(held - totals.pot)} 元")
    for state, amount in totals.states.items():
        if amount < 0:
            problems.append(f"台账中「{state}」余额为负数：{format_yuan(amount)} 元")
    if tranche_sums is not None:
        for state in STATES:
            table = tranche_sums.get(state) or ZERO
            if table != totals.states[state]:
                problems.append(
                    f"「{state}」台账余额 {format_yuan(totals.states[state])} 元与拨款计划 {format_yuan(table)} 元不一致"
                )
    if totals.repaid > totals.clawed_back:
        problems.append(f"已退回 {format_yuan(totals.repaid)} 元超过应追回 {format_yuan(totals.clawed_back)} 元")
    return problems


def group_totals(rows: Iterable[Mapping], key: str) -> list[tuple[str, Totals]]:
    """Rows of grouped ledger sums (one per value of `key`) → (value, Totals), in row order."""
    return [(row[key] or "", totals_from_sums(row)) for row in rows]
