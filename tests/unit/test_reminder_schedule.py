from datetime import date, timedelta

import pytest

from projects.reminders import BEFORE, DUE, OVERDUE, reminder_kind, reminder_text

DUE_DATE = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (DUE_DATE - timedelta(days=30), None),
        (DUE_DATE - timedelta(days=8), None),  # not before the lead time
        (DUE_DATE - timedelta(days=7), BEFORE),
        (DUE_DATE - timedelta(days=1), BEFORE),
        (DUE_DATE, DUE),
        (DUE_DATE + timedelta(days=1), OVERDUE),
        (DUE_DATE + timedelta(days=90), OVERDUE),
    ],
)
def test_the_phase_of_an_open_milestone(today, expected):
    assert reminder_kind(DUE_DATE, today, completed=False) == expected


@pytest.mark.parametrize("offset", [-7, 0, 3])
def test_a_completed_milestone_is_owed_nothing(offset):
    assert reminder_kind(DUE_DATE, DUE_DATE + timedelta(days=offset), completed=True) is None


def test_texts_name_the_milestone_and_count_days():
    before = reminder_text(BEFORE, project_title="长者食堂", milestone_title="中期", due_date=DUE_DATE,
                           today=DUE_DATE - timedelta(days=7))
    assert "《长者食堂》" in before and "「中期」" in before and "2026年6月15日" in before and "还有7天" in before
    late = reminder_text(OVERDUE, project_title="长者食堂", milestone_title="中期", due_date=DUE_DATE,
                         today=DUE_DATE + timedelta(days=3))
    assert "已逾期3天" in late
    assert "今天" in reminder_text(DUE, project_title="x", milestone_title="y", due_date=DUE_DATE, today=DUE_DATE)
