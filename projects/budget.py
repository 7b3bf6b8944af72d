"""Bridges stored budget rows to the pure budget rules, so every check point uses one path, and
places each problem on the budget page of the application form."""
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from core.money import format_yuan
from core.problems import Problem, messages
from grants.models import GrantRound
from grants.rules import budget as rules

# Where on the budget page each rule's problem is fixed: the totals card or the lines.
_TOTALS = {"budget.grant_total", "budget.cofunding"}


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


def _placed(problem: Problem) -> Problem:
    return replace(problem, section="budget", field="budget-totals" if problem.code in _TOTALS else "budget-lines")


def issues(round: GrantRound, lines: Iterable, grant_amount: Decimal, *, basis: str) -> list[Problem]:
    """Every budget rule at once. `basis` names the amount in messages: 申请 or 核定."""
    found = rules.budget_issues(
        facts(lines),
        caps=round_caps(round),
        grant_amount=grant_amount,
        forbidden=rules.forbidden_uses(round.forbidden_expenses),
        cofunding_min_percent=round.cofunding_min_percent,
    )
    if basis == "核定":
        found = [replace(p, message=f"按核定资助金额 {format_yuan(grant_amount)} 元：{p.message}") for p in found]
    return [_placed(p) for p in found]


def problems(round: GrantRound, lines: Iterable, grant_amount: Decimal, *, basis: str) -> list[str]:
    """issues() as plain messages."""
    return messages(issues(round, lines, grant_amount, basis=basis))


def labor_problems(round: GrantRound, lines: Iterable, grant_amount: Decimal) -> list[str]:
    """Only the caps (labor and others), not the grant-total equality: for reported spending."""
    return rules.cap_problems(facts(lines), round_caps(round), grant_amount)


def forbidden_spending_problems(round: GrantRound, rows: Iterable) -> list[str]:
    """Reported spending rows (numbered as the report lists them) that the round forbids the grant to pay.
    Only the new rows: earlier reports were checked when they came in."""
    return messages(rules.forbidden_use_issues(facts(rows), rules.forbidden_uses(round.forbidden_expenses),
                                               prefix="支出"))
