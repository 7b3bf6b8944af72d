"""What the budget editor shows, computed on the server with the same rules the services apply."""
from decimal import Decimal

from core.money import percent_of_display, to_fen
from grants.models import GrantRound
from grants.rules import budget as rules
from projects import budget as bridge
from projects.models import Category, Source


def labor_cap(round: GrantRound) -> rules.CapRule:
    return next(c for c in bridge.round_caps(round) if c.category == "labor")


def draft_problems(round: GrantRound, lines) -> list[str]:
    """The budget rules' messages for a draft's lines (the grant is what its grant lines add up to): what
    editor_context shows as "problems", without the rest of the editor (the autosave answer's "rules")."""
    lines = list(lines)
    if not lines:
        return []
    grant = rules.totals(bridge.facts(lines))["by_source"]["grant"]
    return bridge.problems(round, lines, grant, basis="申请")


def editor_context(round: GrantRound, lines, *, grant_amount: Decimal | None = None, basis: str = "申请") -> dict:
    """`grant_amount` None: the grant is whatever the grant lines add up to (a draft, where the
    requested amount follows the budget); otherwise it is fixed (the approved amount)."""
    facts = bridge.facts(lines)
    sums = rules.totals(facts)
    grant = sums["by_source"]["grant"] if grant_amount is None else grant_amount
    cap = labor_cap(round)
    labor = sums["grant_by_category"]["labor"]
    share = rules.labor_share(facts, grant) if grant > 0 else None
    if cap.kind == "pct_grant":
        limit = percent_of_display(grant, cap.value)
    elif cap.kind == "pct_total":
        limit = percent_of_display(sums["total"], cap.value)
    elif cap.kind == "fixed":
        limit = cap.value
    else:
        limit = Decimal("0.00")
    over = bool(rules.cap_problems(facts, [cap], grant))
    gauge = 100 if over or (limit == 0 and labor > 0) else (int(labor * 100 / limit) if limit > 0 else 0)
    return {
        # Translated here once: every budget line's two selects list them all.
        "categories": [(code, str(label)) for code, label in Category.choices],
        "sources": [(code, str(label)) for code, label in Source.choices],
        "by_category": [(code, label, sums["by_category"][code], sums["grant_by_category"][code])
                        for code, label in Category.choices],
        "by_source": [(code, label, sums["by_source"][code]) for code, label in Source.choices],
        "total": sums["total"],
        "grant": grant,
        "labor": labor,
        "labor_share": share,
        "labor_limit": limit,
        "labor_over": over,
        "labor_gauge": min(gauge, 100),
        "cap": cap,
        "cap_fen_value": "" if cap.value is None else str(to_fen(cap.value)),
        "fixed_grant_fen": "" if grant_amount is None else str(to_fen(grant_amount)),
        "problems": bridge.problems(round, lines, grant, basis=basis) if grant_amount is not None or lines else [],
    }
