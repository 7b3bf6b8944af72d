"""结项决算: the final reports' spending set against the approved budget and what was paid, before
the last payment. Pure functions over plain numbers (no database), so the rule is tested on its own;
finance.receivers gathers the figures when the final evaluation passes and applies the outcome.

The rule, in yuan:
- spent = grant-funded spending reported over all the project's reports, at most the approved amount
  (spending above it is the organization's own money);
- 结余 (unspent) = approved − spent;
- disbursed = what was paid or is on its way in a bank batch;
- still due ("final_scheduled") = the tranches not yet paid nor batched: the 尾款, and a 二期 released
  but not yet paid;
- when the round reduces the 尾款 (settlement_reduces_final_tranche): what is still due pays at most
  spent − disbursed, never more than scheduled and never below zero, the last tranches cut first;
  a tranche reduced to zero is cancelled, not paid;
- otherwise what is still due is paid as scheduled;
- either way, when disbursed exceeds spent the difference is clawed back (追回).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineFigures:
    """One budget line (or, for spending not tied to a line, one category): budgeted against spent."""

    label: str
    budgeted: Decimal
    spent: Decimal

    @property
    def unspent(self) -> Decimal:
        return self.budgeted - self.spent


@dataclass(frozen=True)
class SettlementPlan:
    approved: Decimal
    reported: Decimal  # grant-funded spending as reported, before the cap at the approved amount
    disbursed: Decimal  # paid, or in a bank batch
    final_scheduled: Decimal  # still due as scheduled: the 尾款 and any released, unbatched tranche
    final_payable: Decimal  # what of it is paid after the settlement
    clawback: Decimal
    reduces_final: bool
    lines: tuple[LineFigures, ...] = ()

    @property
    def spent(self) -> Decimal:
        return min(self.reported, self.approved)

    @property
    def unspent(self) -> Decimal:
        """结余."""
        return self.approved - self.spent

    @property
    def final_reduction(self) -> Decimal:
        return self.final_scheduled - self.final_payable

    @property
    def line_rows(self) -> list[dict]:
        """The lines in the shape a recorded settlement (projects.Settlement) gives its page."""
        return [{"label": line.label, "budgeted": line.budgeted, "spent": line.spent} for line in self.lines]


def settle(*, approved: Decimal, reported: Decimal, disbursed: Decimal, final_scheduled: Decimal,
           reduces_final: bool, lines: Iterable[LineFigures] = ()) -> SettlementPlan:
    spent = min(reported, approved)
    final_payable = min(final_scheduled, max(ZERO, spent - disbursed)) if reduces_final else final_scheduled
    clawback = max(ZERO, disbursed - spent)
    return SettlementPlan(approved=approved, reported=reported, disbursed=disbursed,
                          final_scheduled=final_scheduled, final_payable=final_payable, clawback=clawback,
                          reduces_final=reduces_final, lines=tuple(lines))


def split_reduction(amounts: list[Decimal], payable: Decimal) -> list[Decimal]:
    """What each tranche still due (in order) pays when together they pay `payable`: the earliest
    keep their amounts, the last ones are reduced first."""
    result = []
    left = payable
    for amount in amounts:
        keep = min(amount, max(ZERO, left))
        result.append(keep)
        left -= keep
    return result
