"""The canonical form of a row editor's cells (edit_conflicts) is the same remembered or not."""
from decimal import Decimal

from projects import edit_conflicts

ROWS = [
    {"category": "labor", "item": " 社工劳务\r\n", "unit_price": "60,000", "quantity": "1.50", "source": "grant",
     "explanation": "a\r\nb"},
    {"category": "labor", "item": "社工劳务", "unit_price": "60000.00", "quantity": "1.5", "source": "grant",
     "explanation": "a\nb"},
    {"category": "office", "item": "打印", "unit_price": "abc", "quantity": "", "source": "own", "explanation": ""},
    {"category": "office", "item": "", "unit_price": "", "quantity": "", "source": "own", "explanation": ""},
    {"category": "office", "item": "纸", "unit_price": Decimal("12.50"), "quantity": None, "source": "own"},
]


def test_remembered_cells_are_computed_cells():
    edit_conflicts._text_cell.cache_clear()
    first = edit_conflicts.canonical_rows("budget", ROWS)
    again = edit_conflicts.canonical_rows("budget", ROWS)
    computed = tuple(tuple(edit_conflicts._canonical_cell("budget", c, r.get(c)) for c in edit_conflicts.BUDGET_COLUMNS)
                     for r in ROWS if not edit_conflicts.is_blank("budget", r))
    assert first == again == computed
    assert first[0] == first[1] == ("labor", "社工劳务", "6E+4", "1.5", "grant", "a\nb")
    assert first[2][2] == "abc" and first[3][2] == "12.5"
    assert edit_conflicts._text_cell.cache_info().hits > 0
