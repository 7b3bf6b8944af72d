"""Celery tasks of the projects app. Each calls a service and is safe to run twice."""
from celery import shared_task

from projects.reminders import send_due_reminders


@shared_task(name="projects.send_milestone_reminders")
def send_milestone_reminders() -> int:
    """Daily (celery beat, 08:00 Asia/Shanghai): the reminders owed today; each goes out once,
    guarded by the unique (milestone, kind) row, so a retried or doubled run sends nothing twice."""
    return send_due_reminders(actor=None)
