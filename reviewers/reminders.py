"""Review deadline reminders: three days before the round's review end, and once it has passed.

`reminder_kind` is the pure schedule; `send_review_reminders` the service the daily beat task and
the management command call. Each reminder is keyed by assignment, kind and deadline
(accounts.services.notify), so a second run the same day, or the next day, sends nothing again,
while an extended window (a new deadline) earns its own reminders.
"""
from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse

from accounts.models import NotificationKind
from accounts.services import notify
from core import calendar
from core.mail import header_safe
from projects.states import State
from reviewers.models import Assignment, AssignmentState

LEAD_DAYS = 3
DUE_SOON, OVERDUE = "due-soon", "overdue"


def reminder_kind(review_end: date | None, today: date) -> str | None:
    if review_end is None:
        return None
    if today > review_end:
        return OVERDUE
    if today >= review_end - timedelta(days=LEAD_DAYS):
        return DUE_SOON
    return None


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def reminder_text(kind: str, *, title: str, review_end: date, today: date) -> str:
    if kind == DUE_SOON:
        left = (review_end - today).days
        when = "今天" if left == 0 else f"还有{left}天"
        return f"《{title}》的评审将于{_day(review_end)}截止（{when}），请尽快完成评分"
    return f"《{title}》的评审已于{_day(review_end)}截止，您尚未提交评分，已逾期{(today - review_end).days}天"


def send_review_reminders(*, today: date | None = None) -> int:
    """Every reminder owed today to experts with a review still open; returns how many were made."""
    today = today or calendar.today()
    open_reviews = (
        Assignment.objects.filter(state__in=(AssignmentState.ASSIGNED, AssignmentState.ACCEPTED),
                                  project__state=State.UNDER_REVIEW, expert__user__isnull=False,
                                  project__round__review_end__lte=today + timedelta(days=LEAD_DAYS))
        .select_related("project__round", "expert__user").order_by("project__round__review_end", "id")
    )
    count = 0
    for a in open_reviews:
        review_end, user = a.project.round.review_end, a.expert.user
        kind = reminder_kind(review_end, today)
        if kind is None or review_end is None or user is None:
            continue
        text = reminder_text(kind, title=a.project.title, review_end=review_end, today=today)
        rows = notify(actor=None, recipients=[user], project=a.project, text=text,
                      url=reverse("reviewers:review", args=[a.pk]), email_subject=header_safe(f"益创：{text[:60]}"),
                      key=f"assignment:{a.pk}:{kind}:{review_end.isoformat()}",
                      kind=NotificationKind.REVIEW_DUE_SOON if kind == DUE_SOON else NotificationKind.REVIEW_OVERDUE)
        count += len(rows)
    return count
