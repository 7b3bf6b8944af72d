"""Pure rules of the panel's second half (no queries): the 现场答辩 score and its blend with the
written score, preferences (a minimum 评估等级, an earlier 优秀 grade) as bonus points or a
tie-break, and the one place that turns them into the score a project is ranked by.

The ranked score of a project:
  written = the round's aggregate of the experts' totals (reviewers.aggregation);
  if the round blends an oral defense (weight w % > 0) and the project has defense scores:
      blended = written × (100 − w)/100 + defense × w/100, exact, rounded once half up to 0.01;
  final = (blended or written) + every bonus point earned.
A round that holds a defense ranks its shortlisted projects before the others (they were chosen
for the defense on their written score). Tie-break preferences order equal final scores: more
preferences first, before the rubric criteria.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from core.problems import Problem
from reviewers.aggregation import _CENT, _round, aggregate

BONUS = "bonus"
TIEBREAK = "tiebreak"
OFF = "off"
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Preference:
    kind: str  # "rating" or "excellent"
    source: str  # what earned it, in Chinese: shown in the ranking
    mode: str  # BONUS or TIEBREAK
    points: Decimal = Decimal("0")

    @property
    def label(self) -> str:
        if self.mode == BONUS:
            return f"{self.source}：加 {self.points} 分"
        return f"{self.source}：同分优先"


@dataclass(frozen=True)
class Policy:
    """The round's settings the rules need (reviewers.panel_models.PanelPolicy as plain values)."""

    defense_weight: Decimal = Decimal("0")
    rating_mode: str = OFF
    rating_min: int = 3
    rating_bonus: Decimal = Decimal("0")
    excellent_mode: str = OFF
    excellent_bonus: Decimal = Decimal("0")
    excellent_lookback_years: int = 3


@dataclass(frozen=True)
class OrgFacts:
    """What the preferences look at: the organization's rating and its earlier 优秀 projects."""

    rating: int | None = None
    rating_valid_until: date | None = None
    excellent: tuple[tuple[str, str, int], ...] = ()  # (project code, round name, round year)


@dataclass
class PanelFacts:
    """Everything the ranking adds to the written scores, per project id."""

    policy: Policy = field(default_factory=Policy)
    shortlisted: frozenset[int] = frozenset()
    defense: Mapping[int, Sequence[Decimal]] = field(default_factory=dict)
    preferences: Mapping[int, Sequence[Preference]] = field(default_factory=dict)

    @property
    def holds_defense(self) -> bool:
        return self.policy.defense_weight > 0 and bool(self.shortlisted)


@dataclass(frozen=True)
class Adjusted:
    final: Decimal | None
    written: Decimal | None
    defense: Decimal | None
    blended: Decimal | None
    preferences: tuple[Preference, ...]
    tier: int
    preferred: int
    shortlisted: bool
    defense_pending: bool


def defense_score(scores: Sequence[Decimal]) -> Decimal | None:
    """The defense panel's mean, rounded once half up to 0.01; None before anyone has scored."""
    return aggregate(list(scores), "mean")


def blend(written: Decimal | None, defense: Decimal | None, weight: Decimal) -> Decimal | None:
    """written × (100 − w)/100 + defense × w/100; the written score alone when there is no defense
    score or no weight; None without a written score."""
    if written is None:
        return None
    if defense is None or weight <= 0:
        return written
    w = Fraction(weight) / 100
    return _round(Fraction(written) * (1 - w) + Fraction(defense) * w, _CENT)


def preferences(policy: Policy, org: OrgFacts, on: date, round_year: int) -> list[Preference]:
    """The preferences the organization earns in a round whose applications closed `on`."""
    out = []
    if policy.rating_mode != OFF and org.rating and org.rating >= policy.rating_min and (
            org.rating_valid_until is None or org.rating_valid_until >= on):
        until = f"，有效期至{org.rating_valid_until:%Y-%m-%d}" if org.rating_valid_until else ""
        out.append(Preference("rating", f"评估等级{org.rating}A（{policy.rating_min}A及以上{until}）",
                              policy.rating_mode, policy.rating_bonus if policy.rating_mode == BONUS else Decimal("0")))
    if policy.excellent_mode != OFF:
        earlier = [e for e in org.excellent if e[2] >= round_year - policy.excellent_lookback_years]
        if earlier:
            code, round_name, _year = sorted(earlier, key=lambda e: (-e[2], e[0]))[0]
            out.append(Preference("excellent", f"往期项目{code}（{round_name}）结项评估优秀", policy.excellent_mode,
                                  policy.excellent_bonus if policy.excellent_mode == BONUS else Decimal("0")))
    return out


def adjust(facts: PanelFacts | None, project_id: int, written: Decimal | None) -> Adjusted:
    if facts is None:
        return Adjusted(written, written, None, None, (), 0, 0, False, False)
    prefs = tuple(facts.preferences.get(project_id, ()))
    shortlisted = project_id in facts.shortlisted
    defense = defense_score(facts.defense.get(project_id, ())) if shortlisted else None
    blended = blend(written, defense, facts.policy.defense_weight) if defense is not None and facts.holds_defense else None
    base = blended if blended is not None else written
    bonus = sum((p.points for p in prefs if p.mode == BONUS), Decimal("0"))
    final = None if base is None else (base + bonus).quantize(_CENT)
    tier = 0 if not facts.holds_defense or shortlisted else 1
    return Adjusted(final, written, defense, blended, prefs, tier, sum(1 for p in prefs if p.mode == TIEBREAK),
                    shortlisted, facts.holds_defense and shortlisted and defense is None)


def defense_score_problems(raw: str) -> list[Problem]:
    text = (raw or "").strip()
    try:
        value = Decimal(text)
    except ArithmeticError:
        return [Problem("defense.number", f"答辩评分「{text[:20]}」不是有效的数字", field="score")]
    if not value.is_finite() or value < 0 or value > HUNDRED:
        return [Problem("defense.range", "答辩评分须在 0 到 100 分之间", field="score")]
    if value != value.quantize(_CENT):
        return [Problem("defense.places", "答辩评分最多保留两位小数", field="score")]
    return []


def policy_problems(policy: Policy, reserve_count: int) -> list[Problem]:
    problems = []
    if not (Decimal("0") <= policy.defense_weight <= HUNDRED):
        problems.append(Problem("policy.weight", "答辩成绩权重须在 0% 到 100% 之间", field="defense_weight"))
    for mode, bonus, name, fld in ((policy.rating_mode, policy.rating_bonus, "评估等级", "rating_bonus"),
                                   (policy.excellent_mode, policy.excellent_bonus, "往期优秀", "excellent_bonus")):
        if mode not in (OFF, BONUS, TIEBREAK):
            problems.append(Problem("policy.mode", f"{name}优先方式无效", field=fld))
        if mode == BONUS and not (Decimal("0") < bonus <= Decimal("10")):
            problems.append(Problem("policy.bonus", f"{name}加分须大于 0 且不超过 10 分", field=fld))
    if not 1 <= policy.rating_min <= 5:
        problems.append(Problem("policy.rating", "优先的评估等级须在1A到5A之间", field="rating_min"))
    if reserve_count > 100:
        problems.append(Problem("policy.reserve", "备选名单最多 100 个项目", field="reserve_count"))
    return problems
