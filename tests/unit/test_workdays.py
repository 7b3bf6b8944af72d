from datetime import date

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, transaction

from core.calendar import LIBRARY_YEARS, CalendarNotPublished
from grants import workdays
from grants.models import WorkingDayOverride

pytestmark = [pytest.mark.django_db, pytest.mark.official_calendar]

NEXT_YEAR = max(LIBRARY_YEARS) + 1


def test_without_entries_the_official_calendar_applies():
    assert workdays.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert workdays.overlay().days == {}


def test_an_entered_holiday_and_make_up_day_are_used():
    WorkingDayOverride.objects.create(date=date(2026, 6, 3), is_working_day=False, name="临时休假")
    WorkingDayOverride.objects.create(date=date(2026, 6, 6), is_working_day=True, name="调休上班")
    # 06-02, (06-03 off), 06-04, 06-05, 06-06 (worked Saturday), 06-08
    assert workdays.add_working_days(date(2026, 6, 1), 5) == date(2026, 6, 8)
    assert not workdays.is_working_day(date(2026, 6, 3))
    assert workdays.is_working_day(date(2026, 6, 6))


def test_a_year_nobody_entered_is_refused():
    with pytest.raises(CalendarNotPublished, match=f"{NEXT_YEAR}年"):
        workdays.add_working_days(date(NEXT_YEAR, 3, 1), 5)


def test_a_year_entered_from_the_notice_is_counted(django_user_model):
    officer = django_user_model.objects.create(username="officer", role="officer")
    WorkingDayOverride.objects.create(date=date(NEXT_YEAR, 1, 1), is_working_day=False, name="元旦",
                                      note="国办发明电", created_by=officer)
    start = date(NEXT_YEAR - 1, 12, 31)
    first_weekday = next(date(NEXT_YEAR, 1, d) for d in range(2, 9) if date(NEXT_YEAR, 1, d).weekday() < 5)
    assert workdays.add_working_days(start, 1) == first_weekday


@pytest.mark.parametrize("counts_start_day, end", [(False, date(2026, 6, 8)), (True, date(2026, 6, 5))])
def test_publicity_end_follows_the_setting(settings, counts_start_day, end):
    settings.PUBLICITY_COUNTS_START_DAY = counts_start_day
    assert workdays.publicity_end(date(2026, 6, 1), 5) == end


def test_the_default_does_not_count_the_publication_day():
    assert django_settings.PUBLICITY_COUNTS_START_DAY is False


def test_one_entry_per_day():
    WorkingDayOverride.objects.create(date=date(2026, 6, 3), is_working_day=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingDayOverride.objects.create(date=date(2026, 6, 3), is_working_day=True)
