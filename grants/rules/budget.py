"""Budget (项目预算) rules: category caps, forbidden uses, totals.

The same checks run at submission (against the requested amount), at the
funding decision (against the approved amount), on every 预算调整 and on
reported spending, so they take plain lines and an amount and know nothing
about where they are called from.

Caps measure only what the grant pays: 配套资金 is the organization's own
money and 福彩公益金 rules (e.g. labor ≤ 50% of the grant, Wenzhou) do not
limit it. Cap comparisons are exact — exactly 50% passes, one fen more fails.

The forbidden uses are the round's setting (GrantRound.forbidden_expenses, seeded from
grants.defaults); this module keeps no list of its own, so a round's list is the only source.
"""
from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from core.money import FEN, format_yuan, percent_of, percent_of_display
from core.problems import Problem, messages

CATEGORIES = {
    "labor": "人员经费/劳务费",
    "activity": "活动费",
    "publicity": "宣传印刷费",
    "training": "专家督导培训费",
    "travel": "交通差旅费",
    "office": "办公费",
    "management": "管理费",
    "other": "其他",
}
SOURCES = {"grant": "资助资金", "cofund": "配套资金"}
CAP_KINDS = ("pct_grant", "pct_total", "fixed", "forbidden")

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BudgetLine:
    category: str
    item: str
    amount: Decimal
    source: str


@dataclass(frozen=True)
class CapRule:
    category: str
    kind: str  # "pct_grant" | "pct_total" | "fixed" | "forbidden"
    value: Decimal | None

    def __post_init__(self) -> None:
        if self.kind not in CAP_KINDS:
            raise ValueError(f"未知的预算上限类型：「{self.kind}」")
        if self.kind != "forbidden" and (self.value is None or self.value < 0):
            raise ValueError(f"预算上限「{self.kind}」需要一个不小于0的数值")


DEFAULT_CAPS = (CapRule("labor", "pct_grant", Decimal("50")),)


@dataclass(frozen=True)
class ForbiddenUse:
    """One use the grant may not pay for (a round setting), with the words that reveal it in a line."""

    rule: str
    keywords: tuple[str, ...]


def forbidden_setting_errors(setting: object) -> list[str]:
    """Problems with a round's forbidden-expense setting (a list of {"rule", "keywords"}); [] when usable."""
    if not isinstance(setting, list):
        return ["不得支出的用途应为列表，每项包含用途名称（rule）和关键词（keywords）"]
    problems, seen = [], set()
    for position, entry in enumerate(setting, start=1):
        if not isinstance(entry, dict):
            problems.append(f"第{position}项应包含用途名称（rule）和关键词（keywords）")
            continue
        rule = entry.get("rule")
        name = rule.strip() if isinstance(rule, str) else ""
        label = f"第{position}项「{name}」" if name else f"第{position}项"
        if not name:
            problems.append(f"{label}缺少用途名称")
        elif name in seen:
            problems.append(f"{label}与前面的用途重名")
        seen.add(name)
        keywords = entry.get("keywords")
        if not isinstance(keywords, list) or not keywords:
            problems.append(f"{label}至少需要一个关键词")
        elif not all(isinstance(k, str) and _normalized(k) for k in keywords):
            problems.append(f"{label}的关键词不能为空")
    return problems


def forbidden_uses(setting: object) -> tuple[ForbiddenUse, ...]:
    """The round's setting as rules; entries that fail forbidden_setting_errors() are skipped, not guessed."""
    if not isinstance(setting, list):
        return ()
    uses = []
    for entry in setting:
        if not isinstance(entry, dict) or not isinstance(entry.get("rule"), str) or not entry["rule"].strip():
            continue
        keywords = entry.get("keywords")
        if not isinstance(keywords, list):
            continue
        words = tuple(k for k in keywords if isinstance(k, str) and _normalized(k))
        if words:
            uses.append(ForbiddenUse(entry["rule"].strip(), words))
    return tuple(uses)


def line_amount(unit_price: Decimal, quantity: Decimal | int) -> Decimal:
    """单价 × 数量 rounded half up to the fen (quantities like 1.5 课时 are allowed)."""
    for value in (unit_price, quantity):
        if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int)):
            raise TypeError("单价和数量必须是 Decimal 或 int")
    return (Decimal(unit_price) * Decimal(quantity)).quantize(FEN, rounding=ROUND_HALF_UP)


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)


def totals(lines: Sequence[BudgetLine]) -> dict:
    """{"by_category", "grant_by_category", "by_source", "total"}; known codes first, zeros included."""
    by_category = dict.fromkeys(CATEGORIES, ZERO)
    grant_by_category = dict.fromkeys(CATEGORIES, ZERO)
    by_source = dict.fromkeys(SOURCES, ZERO)
    for line in lines:
        by_category[line.category] = by_category.get(line.category, ZERO) + line.amount
        by_source[line.source] = by_source.get(line.source, ZERO) + line.amount
        if line.source == "grant":
            grant_by_category[line.category] = grant_by_category.get(line.category, ZERO) + line.amount
    return {
        "by_category": by_category,
        "grant_by_category": grant_by_category,
        "by_source": by_source,
        "total": _sum(line.amount for line in lines),
    }


def _grant_paid(lines: Sequence[BudgetLine], category: str) -> Decimal:
    return _sum(line.amount for line in lines if line.source == "grant" and line.category == category)


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f")


def cap_issues(lines: Sequence[BudgetLine], caps: Sequence[CapRule], grant_amount: Decimal) -> list[Problem]:
    """Caps on the grant-paid part of each category; messages show the amount and the limit."""
    problems = []
    total = _sum(line.amount for line in lines)
    for cap in caps:
        label = CATEGORIES.get(cap.category, cap.category)
        paid = _grant_paid(lines, cap.category)
        head = f"{label}（资助资金支付）合计 {format_yuan(paid)} 元"
        if cap.kind == "forbidden":
            if paid != 0:
                problems.append(Problem("budget.forbidden_category",
                                        f"{label}不得使用资助资金支付，当前资助资金支付 {format_yuan(paid)} 元"))
            continue
        if cap.kind == "pct_grant":
            limit, shown = percent_of(grant_amount, cap.value), percent_of_display(grant_amount, cap.value)
            basis = f"资助金额 {format_yuan(grant_amount)} 元的 {_pct(cap.value)}%"
        elif cap.kind == "pct_total":
            limit, shown = percent_of(total, cap.value), percent_of_display(total, cap.value)
            basis = f"预算总额 {format_yuan(total)} 元的 {_pct(cap.value)}%"
        else:
            limit = shown = cap.value
            basis = "固定限额"
        if paid > limit:
            problems.append(Problem("budget.cap", f"{head}，超过上限 {format_yuan(shown)} 元（{basis}）"))
    return problems


def cap_problems(lines: Sequence[BudgetLine], caps: Sequence[CapRule], grant_amount: Decimal) -> list[str]:
    return messages(cap_issues(lines, caps, grant_amount))


def _normalized(text: str) -> str:
    # Full-width brackets and letters from a Chinese input method, and stray spaces, must not hide a
    # keyword: 慰问金(现金) and 慰问金（现金） are the same words.
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


@functools.lru_cache(maxsize=256)
def _normalized_keywords(keywords: tuple[str, ...]) -> tuple[str, ...]:
    """A round's keywords are few and the same on every check (each autosave of a budget checks every
    grant line against every keyword): normalized once per process, not once per line."""
    return tuple(_normalized(k) for k in keywords)


def _mentions(text: str, keyword: str) -> bool:
    # "非营利组织" must not trip the "营利" keyword: skip matches negated by 非.
    start = text.find(keyword)
    while start != -1:
        if not (start > 0 and text[start - 1] == "非"):
            return True
        start = text.find(keyword, start + 1)
    return False


def forbidden_rules_hit(text: str, uses: Sequence[ForbiddenUse]) -> list[str]:
    """The names of the rules whose keywords `text` mentions, in the setting's order."""
    plain = _normalized(text)
    # `in` first: most keywords are in no line, and a test costs far less than the call that looks for 非.
    return [use.rule for use in uses
            if any(k in plain and _mentions(plain, k) for k in _normalized_keywords(tuple(use.keywords)))]


def forbidden_use_issues(lines: Sequence[BudgetLine], uses: Sequence[ForbiddenUse], *,
                         prefix: str = "") -> list[Problem]:
    """Grant-paid lines whose text reveals a forbidden use (配套资金 is the organization's own money).
    `prefix` names the rows in messages, e.g. 支出 for reported spending."""
    problems = []
    for index, line in enumerate(lines, start=1):
        if line.source != "grant":
            continue
        rules = forbidden_rules_hit(line.item, uses)
        if rules:
            named = "、".join(f"「{r}」" for r in rules)
            problems.append(Problem(
                "budget.forbidden_use",
                f"{prefix}第{index}行「{line.item.strip()}」属于{named}，不得使用资助资金支付",
            ))
    return problems


def budget_issues(
    lines: Sequence[BudgetLine],
    *,
    caps: Sequence[CapRule],
    grant_amount: Decimal,
    forbidden: Sequence[ForbiddenUse] = (),
    cofunding_min_percent: Decimal = Decimal("0"),
    require_grant_total_equal: bool = True,
) -> list[Problem]:
    """Every reason the budget cannot be accepted, each with its code; an empty list means it passes."""
    if not lines:
        return [Problem("budget.empty", "预算明细为空，请至少填写一条预算")]
    problems = []
    for index, line in enumerate(lines, start=1):
        name = f"第{index}行「{line.item.strip() or '未命名'}」"
        if line.amount <= 0:
            problems.append(Problem("budget.line_amount", f"{name}金额必须大于0，当前为 {format_yuan(line.amount)} 元"))
        elif line.amount != line.amount.quantize(FEN):
            problems.append(Problem("budget.line_amount", f"{name}金额最多保留两位小数（到分）：{line.amount}"))
        if line.category not in CATEGORIES:
            problems.append(Problem("budget.category", f"{name}的预算科目「{line.category}」无效"))
        if line.source not in SOURCES:
            problems.append(Problem("budget.source", f"{name}的资金来源「{line.source}」无效，应为资助资金或配套资金"))
    problems.extend(forbidden_use_issues(lines, forbidden))
    grant_total = _sum(line.amount for line in lines if line.source == "grant")
    if require_grant_total_equal and grant_total != grant_amount:
        problems.append(Problem(
            "budget.grant_total",
            f"资助资金预算合计 {format_yuan(grant_total)} 元，与申请/核定资助金额 {format_yuan(grant_amount)} 元不一致",
        ))
    if cofunding_min_percent > 0:
        cofund = _sum(line.amount for line in lines if line.source == "cofund")
        required = percent_of(grant_amount, cofunding_min_percent)
        if cofund < required:
            shown = required.quantize(FEN, rounding=ROUND_CEILING)
            problems.append(Problem(
                "budget.cofunding",
                f"配套资金合计 {format_yuan(cofund)} 元，低于要求的 {format_yuan(shown)} 元"
                f"（资助金额 {format_yuan(grant_amount)} 元的 {_pct(cofunding_min_percent)}%）",
            ))
    problems.extend(cap_issues(lines, caps, grant_amount))
    return problems


def budget_problems(lines: Sequence[BudgetLine], **kwargs) -> list[str]:
    """budget_issues() as plain messages."""
    return messages(budget_issues(lines, **kwargs))


def labor_share(lines: Sequence[BudgetLine], grant_amount: Decimal) -> Decimal:
    """Grant-paid labor as a percent of the grant, for gauges.

    Rounded up (ceiling) so a budget that breaks a 50% cap by a fen never
    displays as "50.00%".
    """
    if grant_amount <= 0:
        raise ValueError("资助金额必须大于0，才能计算人员经费占比")
    return (_grant_paid(lines, "labor") * 100 / grant_amount).quantize(FEN, rounding=ROUND_CEILING)
