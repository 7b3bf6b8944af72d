from datetime import date
from decimal import Decimal

from projects.open_data import COLUMNS, FIELDS, public_row, to_csv


def _values(state: str, grade: str = "优秀") -> dict:
    data = {"round": "2026年第一批", "round_id": 1, "year": 2026, "fund_source": "welfare_lottery", "code": "T1-00001",
            "title": "长者食堂", "organization": "测试中心", "domain": "elderly", "district": "鹿城区",
            "approved_amount": Decimal("80000"), "state": state, "publicity_end": date(2026, 5, 8), "grade": grade}
    return {COLUMNS[k]: v for k, v in data.items()}


def test_grade_is_public_only_once_completed():
    assert public_row(_values("completed"))["grade"] == "优秀"
    assert public_row(_values("final_review"))["grade"] == ""


def test_money_and_dates_are_text():
    row = public_row(_values("in_progress"))
    assert row["approved_amount"] == "80000.00" and row["publicity_end"] == "2026-05-08"


def test_csv_has_exactly_the_public_fields():
    text = to_csv([public_row(_values("completed"))])
    assert text.splitlines()[0] == ",".join(FIELDS)
