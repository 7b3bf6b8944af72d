from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.calendar import (
    LIBRARY_YEARS,
    SHANGHAI,
    CalendarNotPublished,
    WorkdayOverlay,
    add_months,
    add_working_days,
    covered_years,
    day_end,
    day_start,
    format_cn_date,
    is_working_day,
    months_between,
    within_days,
)
from core.errors import DomainError

UTC = UTC
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



class TestOfficialCalendar:
    """国务院办公厅关于2026年部分节假日安排的通知, as the `holidays` package carries it."""

    def test_2026_national_day_publicity(self):
        # Every day from 10-01 to 10-07 is off; Saturday 10-10 is worked (调休).
        assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
        assert [add_working_days(date(2026, 9, 30), n) for n in range(1, 6)] == [
            date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12), date(2026, 10, 13)
        ]

    @pytest.mark.parametrize("day", [date(2026, 10, d) for d in range(1, 8)])
    def test_national_day_week_is_off(self, day):
        assert not is_working_day(day)

    def test_make_up_days_2026_are_worked(self):
        # Sunday 09-20 and Saturday 10-10 for 国庆, Saturdays 02-14 and 02-28 for 春节, Sunday 01-04 for 元旦,
        # Saturday 05-09 for 劳动节.
        for day in (date(2026, 9, 20), date(2026, 10, 10), date(2026, 2, 14), date(2026, 2, 28),
                    date(2026, 1, 4), date(2026, 5, 9)):
            assert day.weekday() >= 5
            assert is_working_day(day), day

    def test_spring_festival_2026(self):
        # 02-15 to 02-23 off; Saturdays 02-14 and 02-28 worked.
        assert all(not is_working_day(date(2026, 2, d)) for d in range(15, 24))
        assert add_working_days(date(2026, 2, 12), 1) == date(2026, 2, 13)
        assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)  # the make-up Saturday
        assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
        # 02-24 … 02-27, then Saturday 02-28, then Monday 03-02
        assert add_working_days(date(2026, 2, 13), 6) == date(2026, 2, 28)
        assert add_working_days(date(2026, 2, 13), 7) == date(2026, 3, 2)

    def test_ordinary_weekend_is_still_off(self):
        assert not is_working_day(date(2026, 6, 6)) and not is_working_day(date(2026, 6, 7))
        assert is_working_day(date(2026, 6, 8))

    def test_mid_autumn_2026_falls_on_a_friday(self):
        assert not is_working_day(date(2026, 9, 25))
        assert add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)

    def test_library_years(self):
        assert {2024, 2025, 2026} <= LIBRARY_YEARS
        assert covered_years() == LIBRARY_YEARS


class TestStartDay:
    def test_publication_day_not_counted_by_default(self):
        assert add_working_days(date(2026, 6, 1), 5) == date(2026, 6, 8)

    def test_publication_day_counted_when_it_is_a_working_day(self):
        assert add_working_days(date(2026, 6, 1), 5, count_start_day=True) == date(2026, 6, 5)
        assert add_working_days(date(2026, 6, 1), 1, count_start_day=True) == date(2026, 6, 1)

    def test_a_day_off_is_never_day_one(self):
        # published on a Saturday, or on 国庆: the first working day after it is day 1 either way
        assert add_working_days(date(2026, 6, 6), 5, count_start_day=True) == date(2026, 6, 12)
        assert add_working_days(date(2026, 10, 1), 1, count_start_day=True) == date(2026, 10, 8)

    def test_zero_days(self):
        assert add_working_days(date(2026, 6, 1), 0, count_start_day=True) == date(2026, 6, 1)


class TestOverlay:
    def test_an_added_holiday_is_skipped(self):
        overlay = WorkdayOverlay.from_days({date(2026, 6, 3): False})
        assert not is_working_day(date(2026, 6, 3), overlay)
        assert add_working_days(date(2026, 6, 1), 5, overlay=overlay) == date(2026, 6, 9)

    def test_an_added_make_up_day_is_counted(self):
        saturday = date(2026, 6, 6)
        overlay = WorkdayOverlay.from_days({saturday: True})
        assert is_working_day(saturday, overlay)
        assert add_working_days(date(2026, 6, 5), 1, overlay=overlay) == saturday
        assert add_working_days(date(2026, 6, 1), 5, overlay=overlay) == date(2026, 6, 6)

    def test_the_overlay_wins_over_the_library(self):
        overlay = WorkdayOverlay.from_days({date(2026, 10, 8): False, date(2026, 10, 10): False})
        assert add_working_days(date(2026, 9, 30), 5, overlay=overlay) == date(2026, 10, 15)

    def test_a_year_entered_by_officers_is_counted(self):
        next_year = max(LIBRARY_YEARS) + 1
        new_years_day = date(next_year, 1, 1)
        overlay = WorkdayOverlay.from_days({new_years_day: False})
        assert next_year in covered_years(overlay)
        # Monday–Friday apart from the entered days
        first_weekday = next(date(next_year, 1, d) for d in range(2, 9) if date(next_year, 1, d).weekday() < 5)
        assert add_working_days(date(next_year - 1, 12, 31), 1, overlay=overlay) == first_weekday

    def test_years_can_be_vouched_for_without_entries(self):
        year = max(LIBRARY_YEARS) + 1
        assert is_working_day(date(year, 3, 1), WorkdayOverlay(years=frozenset({year}))) == (
            date(year, 3, 1).weekday() < 5
        )


class TestYearWithoutSchedule:
    def test_refused_not_guessed(self):
        year = max(LIBRARY_YEARS) + 1
        with pytest.raises(CalendarNotPublished) as caught:
            add_working_days(date(year, 3, 1), 5)
        assert caught.value.year == year
        assert f"{year}年的法定节假日和调休安排尚未录入" in caught.value.message

    def test_a_period_crossing_into_it_is_refused(self):
        last = max(LIBRARY_YEARS)
        assert add_working_days(date(last, 12, 21), 1) == date(last, 12, 22)
        with pytest.raises(CalendarNotPublished):
            add_working_days(date(last, 12, 24), 10)

    def test_is_a_domain_error_and_a_value_error(self):
        with pytest.raises(DomainError):
            is_working_day(date(2099, 1, 5))
        with pytest.raises(ValueError):
            is_working_day(date(2099, 1, 5))

    def test_an_overlay_for_another_year_does_not_help(self):
        overlay = WorkdayOverlay.from_days({date(2098, 1, 1): False})
        with pytest.raises(CalendarNotPublished):
            is_working_day(date(2099, 1, 5), overlay)


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
