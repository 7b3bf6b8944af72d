"""The figures an evaluator weighs (绩效评价): indicators achieved against targets, budget execution
and the grant-paid labor share of actual spending.

Pure functions over plain numbers, so the scoring page, the evaluation report and the dashboard
show the same figures; percentages are Decimals with one decimal place, None where the base is 0.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
ONE_DECIMAL = Decimal("0.1")


def percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part / whole in percent, one decimal place; None when either is unknown or the base is not positive."""
    if part is None or whole is None or whole <= 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class IndicatorFigure:
    name: str
    unit: str
    target: Decimal
    achieved: Decimal | None

    @property
    def ratio(self) -> Decimal | None:
        return percent(self.achieved, self.target)

    @property
    def met(self) -> bool:
        return self.achieved is not None and self.achieved >= self.target


@dataclass(frozen=True)
class Spend:
    category: str
    source: str  # "grant" | "cofund"
    amount: Decimal


def indicator_completion(indicators: Iterable[IndicatorFigure]) -> Decimal | None:
    """Mean completion over the indicators, each counted at most 100% (over-delivering one target
    does not make up for missing another); an indicator not yet reported counts 0%."""
    ratios = [min(i.ratio or Decimal("0"), HUNDRED) for i in indicators if i.target > 0]
    if not ratios:
        return None
    return (sum(ratios, Decimal("0")) / len(ratios)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Performance:
    approved: Decimal
    indicators: tuple[IndicatorFigure, ...]
    spent_total: Decimal  # every reported expenditure, grant and co-funding
    spent_grant: Decimal
    labor_grant: Decimal  # labor paid from the grant
    receipts: int

    @property
    def spent_cofund(self) -> Decimal:
        return self.spent_total - self.spent_grant

    @property
    def execution_rate(self) -> Decimal | None:
        """预算执行率: grant money reported as spent against the approved amount."""
        return percent(self.spent_grant, self.approved)

    @property
    def unspent(self) -> Decimal:
        return self.approved - self.spent_grant

    @property
    def labor_share(self) -> Decimal | None:
        """Grant-paid labor as a share of all actual spending."""
        return percent(self.labor_grant, self.spent_total)

    @property
    def labor_of_approved(self) -> Decimal | None:
        """Grant-paid labor against the approved amount: what the 50% labor rule compares."""
        return percent(self.labor_grant, self.approved)

    @property
    def indicator_completion(self) -> Decimal | None:
        return indicator_completion(self.indicators)


def performance(
    *, approved: Decimal, indicators: Iterable[IndicatorFigure], spending: Iterable[Spend], receipts: int
) -> Performance:
    rows = list(spending)
    grant = [s for s in rows if s.source == "grant"]
    return Performance(
        approved=approved,
        indicators=tuple(indicators),
        spent_total=sum((s.amount for s in rows), ZERO),
        spent_grant=sum((s.amount for s in grant), ZERO),
        labor_grant=sum((s.amount for s in grant if s.category == "labor"), ZERO),
        receipts=receipts,
    )
