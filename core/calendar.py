"""Dates and deadlines in Asia/Shanghai.

Calls say "截止到6月30日" and mean the whole of that day in Beijing time,
whatever time zone the server or the browser is in. Everything that decides
whether a moment is inside a window goes through these helpers.

Working days follow the State Council's yearly schedule (国务院办公厅关于X年部分节假日安排的通知):
statutory holidays are days off even on a weekday, and the 调休 weekend days the notice names are
working days. The schedule comes from the `holidays` package (its China data is checked against
each year's notice; `LIBRARY_YEARS` lists the years it has) overlaid by a `WorkdayOverlay`
that officers keep for what the library does not have yet (next year's notice is published each
November or December) or gets wrong. A year with neither is refused with `CalendarNotPublished`:
counting it as plain Monday–Friday would end a 公示 in the middle of 国庆.
"""
from __future__ import annotations

import calendar as _cal
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone
from holidays.countries.china import ChinaStaticHolidays

from core.errors import DomainError
from core.problems import Problem

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Years whose official holiday notice the installed `holidays` package carries. Each year's notice
#: moves at least one holiday (its 调休 entries); a year without entries is only the library's
#: estimate from the statutory dates, which is not the schedule people actually work to.
LIBRARY_YEARS: frozenset[int] = frozenset(ChinaStaticHolidays.special_public_holidays)


def local_date(moment: datetime) -> date:
    """The Shanghai calendar day of an aware moment."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("时间必须带时区信息")
    return moment.astimezone(SHANGHAI).date()


def today(now: datetime | None = None) -> date:
    """Today in Shanghai, whatever the server's zone: the one place every "today" comes from."""
    return local_date(now or timezone.now())


def _require_date(d: object) -> date:
    # A datetime is a date subclass, but its clock time would be silently dropped.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"需要 date 类型（不含时间），得到 {type(d).__name__}")
    return d


def day_start(d: date) -> datetime:
    """00:00 Shanghai time on d (aware)."""
    d = _require_date(d)
    return datetime(d.year, d.month, d.day, tzinfo=SHANGHAI)


def day_end(d: date) -> datetime:
    """Exclusive upper bound: 00:00 Shanghai on the next day, so 23:59:59.999999 is still inside."""
    return day_start(_require_date(d) + timedelta(days=1))


def within_days(start: date, end: date, moment: datetime) -> bool:
    """Whether moment falls on any Shanghai calendar day from start to end, inclusive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("时间必须带时区信息，无法判断是否在期限内")
    return day_start(start) <= moment < day_end(end)


class CalendarNotPublished(DomainError, ValueError):
    """A period reaches a year whose holiday schedule nobody has entered yet."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(Problem(
            "calendar.not_published",
            f"{year}年的法定节假日和调休安排尚未录入，无法按工作日计算期限。"
            f"请在国务院办公厅公布{year}年部分节假日安排后，由管理员在“工作日调整”中录入当年的放假日和调休上班日，再重试。",
        ))


@dataclass(frozen=True)
class WorkdayOverlay:
    """What officers entered over the library's schedule.

    `days` maps a date to whether it is a working day and wins over the library. `years` are the
    years the overlay vouches for in full: outside LIBRARY_YEARS such a year is Monday–Friday except
    for its entries, so officers enter the whole notice (every weekday off, every 调休 weekend day
    worked) for it.
    """

    days: Mapping[date, bool] = field(default_factory=dict)
    years: frozenset[int] = frozenset()

    @classmethod
    def from_days(cls, days: Mapping[date, bool]) -> WorkdayOverlay:
        """An overlay whose years are those its entries fall in: entering one day of a year vouches for that year."""
        return cls(dict(days), frozenset(d.year for d in days))


NO_OVERLAY = WorkdayOverlay()


@lru_cache(maxsize=1)
def _library_schedule() -> tuple[frozenset[date], frozenset[date]]:
    # Built once for every covered year: a 调休 day can sit in the year before its holiday
    # (2002's New Year moved 2001-12-29), so years cannot be built one at a time.
    china = holidays.China(years=sorted(LIBRARY_YEARS))
    days_off = frozenset(d for d in china if d.year in LIBRARY_YEARS)
    worked_weekends = frozenset(d for d in china.weekend_workdays if d.year in LIBRARY_YEARS)
    return days_off, worked_weekends


def covered_years(overlay: WorkdayOverlay = NO_OVERLAY) -> frozenset[int]:
    """Years whose working days can be counted: the library's and those the overlay vouches for."""
    return LIBRARY_YEARS | overlay.years


def is_working_day(d: date, overlay: WorkdayOverlay = NO_OVERLAY) -> bool:
    """Whether d is a working day under the official schedule; CalendarNotPublished for a year without one."""
    d = _require_date(d)
    if d in overlay.days:
        return overlay.days[d]
    if d.year in LIBRARY_YEARS:
        days_off, worked_weekends = _library_schedule()
        if d in days_off:
            return False
        if d in worked_weekends:
            return True
    elif d.year not in overlay.years:
        raise CalendarNotPublished(d.year)
    return d.weekday() < 5


def add_working_days(
    start: date, n: int, *, overlay: WorkdayOverlay = NO_OVERLAY, count_start_day: bool = False
) -> date:
    """The last day of a period of n working days starting on start (n = 0 gives start).

    By default start itself is not counted (a 公示 published today runs from the next working day);
    with count_start_day, start is day 1 when it is a working day. Refuses, rather than guesses,
    when the period reaches a year without a schedule.
    """
    start = _require_date(start)
    if n < 0:
        raise ValueError("工作日天数不能为负数")
    current = start
    remaining = n
    if remaining and count_start_day and is_working_day(start, overlay):
        remaining -= 1
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, overlay):
            remaining -= 1
    return current


def add_months(d: date, months: int) -> date:
    """Same day-of-month months later (or earlier); clamped to month end, as 民法典第二百零二条 counts periods."""
    d = _require_date(d)
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


def months_between(earlier: date, later: date) -> int:
    """Full calendar months from earlier to later: 2025-03-01 → 2026-03-01 is 12, → 2026-02-28 is 11."""
    earlier, later = _require_date(earlier), _require_date(later)
    if later < earlier:
        raise ValueError("结束日期不能早于开始日期")
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if add_months(earlier, months) > later:
        months -= 1
    return months


def format_cn_date(d: date) -> str:
    """2026年03月01日 — zero-padded, as used in every user-facing message."""
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"
