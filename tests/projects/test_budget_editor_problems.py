"""The autosave answer's budget rules (draft_problems) are the budget editor's "problems", line for line."""
from decimal import Decimal

from projects.budget_editor import draft_problems, editor_context
from projects.models import BudgetLine


def test_draft_problems_are_the_editors(world):
    project = world.draft()
    round = project.round
    lines = list(project.budget_lines.all())
    over_labor = [BudgetLine(category="labor", item="社工劳务", unit_price=Decimal("60000.00"), quantity=1,
                             amount=Decimal("60000.00"), source="grant"),
                  BudgetLine(category="activity", item="活动物资", unit_price=Decimal("40000.00"), quantity=1,
                             amount=Decimal("40000.00"), source="grant"),
                  BudgetLine(category="office", item="宴请招待", unit_price=Decimal("500.00"), quantity=1,
                             amount=Decimal("500.00"), source="own")]
    cases = [lines, over_labor, over_labor[2:], []]
    for case in cases:
        assert draft_problems(round, case) == editor_context(round, case)["problems"]
    assert any("超过上限" in p for p in draft_problems(round, over_labor))  # not vacuous
    assert draft_problems(round, []) == []
