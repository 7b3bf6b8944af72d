"""Bridges stored budget rows to the pure budget rules, so every check point uses one path."""
from decimal import Decimal
from typing import Iterable

from core.money import format_yuan
from grants.models import GrantRound
from grants.rules import budget as rules


def round_caps(round: GrantRound) -> tuple[rules.CapRule, ...]:
    """The round's caps; a round that never set a labor cap still gets the 50% labor rule."""
    caps = [rules.CapRule(c.category, c.kind, c.value) for c in round.budget_caps.all()]
    if not any(c.category == "labor" for c in caps):
        caps.extend(rules.DEFAULT_CAPS)
    return tuple(caps)


def facts(lines: Iterable) -> list[rules.BudgetLine]:
    """Accepts model rows or dicts with category/item/amount/source."""
    out = []
    for line in lines:
        get = line.get if isinstance(line, dict) else (lambda k, _l=line: getattr(_l, k))
        out.append(rules.BudgetLine(get("category"), get("item"), Decimal(str(get("amount"))), get("source")))
    return out


def problems(round: GrantRound, lines: Iterable, grant_amount: Decimal, *, basis: str) -> list[str]:
    """Every budget rule at once. `basis` names the amount in messages: 申请 or 核定."""
    found = rules.budget_problems(
        facts(lines),
        caps=round_caps(round),
        grant_amount=grant_amount,
        cofunding_min_percent=round.cofunding_min_percent,
    )
    if basis == "核定":
        return [f"按核定资助金额 {format_yuan(grant_amount)} 元：{p}" for p in found]
    return found


def labor_problems(round: GrantRound, lines: Iterable, grant_amount: Decimal) -> list[str]:
    """Only the caps (labor and others), not the grant-total equality: for reported spending."""
    return rules.cap_problems(facts(lines), round_caps(round), grant_amount)
