"""Milestone reminders (里程碑提醒): 7 days before, on the day, and once overdue.

`reminder_kind` is the pure schedule; `send_due_reminders` is the service the daily Celery beat task
calls. A MilestoneReminder row per (milestone, kind) is written in the same transaction as the
in-app notification, and the database's unique pair makes each reminder go out once even when the
task runs twice or two workers overlap. The email copy leaves after commit (accounts.services.notify).
"""
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.services import notify
from core import calendar
from projects.lifecycle import SIGNED
from projects.models import Milestone, MilestoneReminder

LEAD_DAYS = 7
BEFORE, DUE, OVERDUE = "before_7d", "due", "overdue"


def reminder_kind(due_date: date, today: date, *, completed: bool) -> str | None:
    """Which reminder a milestone is owed today; None before the lead time or once completed.

    Only the current phase counts: a day the task did not run is not made up later with a
    reminder that no longer tells the truth ("due in 7 days" about a milestone due tomorrow is
    still true; "due today" about yesterday's is not, so that one becomes the overdue reminder).
    """
    if completed:
        return None
    if today > due_date:
        return OVERDUE
    if today == due_date:
        return DUE
    if today >= due_date - timedelta(days=LEAD_DAYS):
        return BEFORE
    return None


def reminder_text(kind: str, *, project_title: str, milestone_title: str, due_date: date, today: date) -> str:
    due = f"{due_date.year}年{due_date.month}月{due_date.day}日"
    if kind == BEFORE:
        return f"《{project_title}》里程碑「{milestone_title}」将于{due}到期（还有{(due_date - today).days}天），请按时完成"
    if kind == DUE:
        return f"《{project_title}》里程碑「{milestone_title}」今天（{due}）到期，请按时完成并提交成果"
    return f"《{project_title}》里程碑「{milestone_title}」已于{due}到期，尚未完成，已逾期{(today - due_date).days}天"


def send_due_reminders(*, actor=None, today: date | None = None) -> int:
    """Sends every reminder owed today to the members of each organization; returns how many went out.

    `actor` is None when the beat task runs it (nobody is excluded from the recipients);
    `today` is for tests and the demo seed only.
    """
    today = today or calendar.today()
    candidates = (
        Milestone.objects.filter(
            project__state__in=SIGNED, completed_on__isnull=True, due_date__lte=today + timedelta(days=LEAD_DAYS)
        )
        .select_related("project")
        .prefetch_related("project__organization__members")
        .order_by("due_date", "id")
    )
    sent = set(MilestoneReminder.objects.filter(milestone__in=candidates).values_list("milestone_id", "kind"))
    count = 0
    for milestone in candidates:
        kind = reminder_kind(milestone.due_date, today, completed=False)
        if kind is None or (milestone.pk, kind) in sent:
            continue
        project = milestone.project
        try:
            with transaction.atomic():
                _, created = MilestoneReminder.objects.get_or_create(milestone=milestone, kind=kind)
                if not created:
                    continue  # another run got here first
                text = reminder_text(kind, project_title=project.title, milestone_title=milestone.title,
                                     due_date=milestone.due_date, today=today)
                notify(
                    actor=actor, recipients=project.organization.members.all(), project=project, text=text,
                    url=reverse("applicant:project", args=[project.pk]), email_subject=f"益创：{text[:60]}",
                    key=f"milestone:{milestone.pk}:{kind}",
                )
        except IntegrityError:
            continue  # the other run's row committed between our check and our insert
        count += 1
    return count
