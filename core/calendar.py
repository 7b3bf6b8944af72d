"""Dates and deadlines in Asia/Shanghai.

Calls say "截止到6月30日" and mean the whole of that day in Beijing time,
whatever time zone the server or the browser is in. Everything that decides
whether a moment is inside a window goes through these helpers.

Working days are Monday to Friday only: statutory holidays and the swapped
weekend working days (调休) are NOT modeled, so a 公示 period spanning a
holiday must be adjusted by the program officer.
"""
from __future__ import annotations

import calendar as _cal
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


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


def add_working_days(start: date, n: int) -> date:
    """The n-th Monday–Friday after start (start itself not counted; n = 0 gives start)."""
    start = _require_date(start)
    if n < 0:
        raise ValueError("工作日天数不能为负数")
    current = start
    remaining = n
    while remaining:
        current += timedelta(days=1)
        if current.weekday() < 5:
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
