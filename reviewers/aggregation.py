"""Combining expert scores and ranking projects.

Aggregates are computed exactly (fractions) and rounded once, half up, to
0.01, so a published score never depends on float noise or double rounding.

Ranking tie rule (published with the 评审结果 so it is predictable):
  1. higher aggregate score first; projects with no score yet come last (a round holding a 现场答辩
     ranks its shortlisted projects first, and its score is the blend, reviewers.panel_rules);
  2. then tie-break preferences (reviewers.panel_rules: more first), then the rubric criteria aggregates, compared in rubric order, higher
     first (e.g. a tie on total is broken by 需求分析, then 项目设计 ...);
  3. then the smaller requested amount (the pot funds more projects);
  4. then the earlier submission;
  5. then the smaller project id, so the order is total and stable.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

METHODS = ("mean", "trimmed", "weighted")
TRIM_MIN_SCORES = 5
_CENT = Decimal("0.01")
_MILLI = Decimal("0.001")


def _check(values: Sequence[Decimal], what: str) -> None:
    for v in values:
        if isinstance(v, (float, bool)) or not isinstance(v, (Decimal, int)):
            raise TypeError(f"{what}必须是 Decimal 或 int，不能是 {type(v).__name__}")


def _round(value: Fraction, step: Decimal) -> Decimal:
    # Exact fraction → Decimal with enough digits, then one half-up rounding.
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(step, rounding=ROUND_HALF_UP)


def _mean(values: Sequence[Decimal]) -> Fraction:
    return sum((Fraction(v) for v in values), Fraction(0)) / len(values)


def _rounded_mean(values: Sequence[Decimal]) -> Decimal:
    """The mean rounded half up to 0.01, exactly. Scores have at most two decimals, so the sum in
    hundredths is a whole number and half-up division is integer arithmetic (a province round
    averages ~500,000 of these); anything else takes the exact Fraction path."""
    total = sum(values, Decimal(0)).scaleb(2)
    n = len(values)
    if total >= 0 and total == total.to_integral_value():
        hundredths = int(total)
        return (Decimal((2 * hundredths + n) // (2 * n)).scaleb(-2)).quantize(_CENT)
    return _round(_mean(values), _CENT)


def aggregate(
    scores: Sequence[Decimal], method: str, weights: Sequence[Decimal] | None = None
) -> Decimal | None:
    """Round-level score of one project from its experts' totals; None when nobody has scored."""
    if method not in METHODS:
        raise ValueError(f"未知的汇总方式：「{method}」")
    _check(scores, "评分")
    if not scores:
        return None
    if method == "mean":
        return _rounded_mean(scores)
    if method == "trimmed":
        if len(scores) < TRIM_MIN_SCORES:
            return _rounded_mean(scores)
        return _rounded_mean(sorted(scores)[1:-1])
    if weights is None or len(weights) != len(scores):
        raise ValueError("加权平均需要与评分数量相同的权重")
    _check(weights, "权重")
    if any(w < 0 for w in weights):
        raise ValueError("权重不能为负数")
    total_weight = sum((Fraction(w) for w in weights), Fraction(0))
    if total_weight <= 0:
        raise ValueError("权重之和必须大于0")
    weighted = sum((Fraction(s) * Fraction(w) for s, w in zip(scores, weights, strict=True)), Fraction(0))
    return _round(weighted / total_weight, _CENT)


def spread(scores: Sequence[Decimal]) -> Decimal:
    """Max − min; 0 for fewer than two scores."""
    _check(scores, "评分")
    if len(scores) < 2:
        return Decimal("0")
    return max(scores) - min(scores)


def is_disputed(scores: Sequence[Decimal], threshold: Decimal) -> bool:
    """Flag for 评审讨论 when experts disagree by more than the round's threshold."""
    return spread(scores) > threshold


def zscores(
    scores_by_expert: Mapping[Hashable, Mapping[Hashable, Decimal]],
) -> dict[tuple[Hashable, Hashable], Decimal]:
    """Per-expert standardized scores, to spot lenient or harsh experts.

    Population standard deviation; an expert with fewer than two scores or
    identical scores has no scale, so all their z-scores are 0.
    Computed on integers (scores scaled to whole numbers): z = (n·x − Σx) / √(n·Σx² − (Σx)²),
    so the only inexact step is one square root per expert, taken to 60 digits.
    """
    result: dict[tuple[Hashable, Hashable], Decimal] = {}
    zero = Decimal("0.000")
    for expert, by_project in scores_by_expert.items():
        values = list(by_project.values())
        _check(values, "评分")
        if len(values) < 2:
            result.update({(expert, p): zero for p in by_project})
            continue
        places = max(0, *(-Decimal(v).as_tuple().exponent for v in values))
        scale = 10 ** places
        ints = {p: int(Decimal(v) * scale) for p, v in by_project.items()}
        n, total = len(ints), sum(ints.values())
        spread_sq = n * sum(x * x for x in ints.values()) - total * total
        if spread_sq == 0:
            result.update({(expert, p): zero for p in by_project})
            continue
        with localcontext() as ctx:
            ctx.prec = 60
            root = Decimal(spread_sq).sqrt()
            for p, x in ints.items():
                z = Decimal(n * x - total) / root
                result[(expert, p)] = z.quantize(_MILLI, rounding=ROUND_HALF_UP) + 0
    return result


@dataclass(frozen=True)
class RankEntry:
    project_id: int
    score: Decimal | None
    tiebreak_scores: tuple[Decimal, ...]
    requested: Decimal
    submitted_at_ordinal: int
    tier: int = 0  # 0 before 1: shortlisted for the oral defense before the rest
    preferred: int = 0  # tie-break preferences earned


def _key(entry: RankEntry) -> tuple:
    missing = entry.score is None
    return (
        missing,
        entry.tier,
        0 if missing else -entry.score,
        -entry.preferred,
        tuple(-t for t in entry.tiebreak_scores),
        entry.requested,
        entry.submitted_at_ordinal,
        entry.project_id,
    )


def rank(entries: Sequence[RankEntry]) -> list[RankEntry]:
    """Entries in funding order under the module's documented tie rule."""
    return sorted(entries, key=_key)
