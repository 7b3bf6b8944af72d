"""Working-day periods for callers: the official calendar (core.calendar) with the days officers entered.

core.calendar is pure and takes the officers' entries as a parameter; this module reads them from
WorkingDayOverride and reads the start-day setting, so services ask one question and get one answer.
"""
from __future__ import annotations

from datetime import date

from django.conf import settings

from core import calendar
from grants.models import WorkingDayOverride


def overlay() -> calendar.WorkdayOverlay:
    """Every entered day (a few dozen a year): small enough to read whole for each period counted."""
    return calendar.WorkdayOverlay.from_days(dict(WorkingDayOverride.objects.values_list("date", "is_working_day")))


def is_working_day(d: date) -> bool:
    return calendar.is_working_day(d, overlay())


def add_working_days(start: date, n: int, *, count_start_day: bool = False) -> date:
    """The last day of n working days from start; core.calendar.CalendarNotPublished for a year without a schedule."""
    return calendar.add_working_days(start, n, overlay=overlay(), count_start_day=count_start_day)


def publicity_end(start: date, working_days: int) -> date:
    """Last day of a 公示 published on start, counting the publication day only if PUBLICITY_COUNTS_START_DAY says so."""
    return add_working_days(start, working_days, count_start_day=settings.PUBLICITY_COUNTS_START_DAY)
