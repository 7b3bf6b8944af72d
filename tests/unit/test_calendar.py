from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.calendar import (
    SHANGHAI,
    add_months,
    add_working_days,
    day_end,
    day_start,
    format_cn_date,
    months_between,
    within_days,
)

UTC = timezone.utc
START, END = date(2026, 6, 1), date(2026, 6, 30)


def test_day_start_and_end_are_aware_shanghai():
    start = day_start(date(2026, 6, 30))
    assert start == datetime(2026, 6, 30, tzinfo=SHANGHAI)
    assert start.utcoffset() == timedelta(hours=8)
    assert start.astimezone(UTC) == datetime(2026, 6, 29, 16, tzinfo=UTC)
    assert day_end(date(2026, 6, 30)) == datetime(2026, 7, 1, tzinfo=SHANGHAI)


def test_day_helpers_reject_datetime():
    with pytest.raises(TypeError):
        day_start(datetime(2026, 6, 30, 12))  # type: ignore[arg-type]


class TestWithinDays:
    def test_last_second_of_deadline_inside(self):
        assert within_days(START, END, datetime(2026, 6, 30, 23, 59, 59, tzinfo=SHANGHAI))
        assert within_days(START, END, datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=SHANGHAI))

    def test_midnight_next_day_outside(self):
        assert not within_days(START, END, datetime(2026, 7, 1, 0, 0, tzinfo=SHANGHAI))

    def test_first_moment_inside_and_before_outside(self):
        assert within_days(START, END, datetime(2026, 6, 1, 0, 0, tzinfo=SHANGHAI))
        assert not within_days(START, END, datetime(2026, 5, 31, 23, 59, 59, tzinfo=SHANGHAI))

    def test_utc_moments(self):
        # 2026-06-30 23:59:59 Shanghai is 15:59:59 UTC; 16:00 UTC is already July 1 in Shanghai
        assert within_days(START, END, datetime(2026, 6, 30, 15, 59, 59, tzinfo=UTC))
        assert not within_days(START, END, datetime(2026, 6, 30, 16, 0, tzinfo=UTC))
        # 2026-05-31 16:00 UTC is June 1 00:00 in Shanghai
        assert within_days(START, END, datetime(2026, 5, 31, 16, 0, tzinfo=UTC))
        assert not within_days(START, END, datetime(2026, 5, 31, 15, 59, 59, tzinfo=UTC))

    def test_other_zone(self):
        new_york = ZoneInfo("America/New_York")
        # 2026-06-30 11:59 EDT = 23:59 Shanghai
        assert within_days(START, END, datetime(2026, 6, 30, 11, 59, tzinfo=new_york))
        assert not within_days(START, END, datetime(2026, 6, 30, 12, 0, tzinfo=new_york))

    def test_single_day_window(self):
        day = date(2026, 6, 30)
        assert within_days(day, day, datetime(2026, 6, 30, 12, tzinfo=SHANGHAI))

    def test_naive_rejected(self):
        with pytest.raises(ValueError, match="时区"):
            within_days(START, END, datetime(2026, 6, 15, 12))


class TestWorkingDays:
    def test_from_monday(self):
        monday = date(2026, 6, 1)
        assert monday.weekday() == 0
        assert add_working_days(monday, 1) == date(2026, 6, 2)
        assert add_working_days(monday, 4) == date(2026, 6, 5)  # Friday
        assert add_working_days(monday, 5) == date(2026, 6, 8)  # next Monday

    def test_from_friday_skips_weekend(self):
        friday = date(2026, 6, 5)
        assert add_working_days(friday, 1) == date(2026, 6, 8)
        assert add_working_days(friday, 5) == date(2026, 6, 12)

    def test_from_weekend(self):
        saturday = date(2026, 6, 6)
        assert add_working_days(saturday, 1) == date(2026, 6, 8)
        assert add_working_days(saturday, 5) == date(2026, 6, 12)

    def test_zero_and_negative(self):
        assert add_working_days(date(2026, 6, 6), 0) == date(2026, 6, 6)
        with pytest.raises(ValueError):
            add_working_days(date(2026, 6, 6), -1)

    def test_holidays_not_modeled(self):
        # 2026-10-01 is 国庆节 (Thursday) but is counted as a working day
        assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 1)


class TestMonths:
    @pytest.mark.parametrize(
        "earlier, later, months",
        [
            (date(2025, 3, 1), date(2026, 3, 1), 12),
            (date(2025, 3, 1), date(2026, 2, 28), 11),
            (date(2025, 3, 1), date(2025, 3, 1), 0),
            (date(2025, 3, 15), date(2025, 4, 14), 0),
            (date(2025, 3, 15), date(2025, 4, 15), 1),
            (date(2025, 1, 31), date(2025, 2, 28), 1),
            (date(2025, 1, 31), date(2025, 3, 30), 1),
            (date(2025, 1, 31), date(2025, 3, 31), 2),
            (date(2024, 2, 29), date(2025, 2, 28), 12),
            (date(2020, 5, 20), date(2026, 5, 19), 71),
        ],
    )
    def test_months_between(self, earlier, later, months):
        assert months_between(earlier, later) == months

    def test_months_between_order(self):
        with pytest.raises(ValueError):
            months_between(date(2026, 1, 2), date(2026, 1, 1))

    def test_add_months(self):
        assert add_months(date(2026, 3, 1), 12) == date(2027, 3, 1)
        assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
        assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
        assert add_months(date(2026, 1, 15), -1) == date(2025, 12, 15)


def test_format_cn_date():
    assert format_cn_date(date(2026, 3, 1)) == "2026年03月01日"
