"""Celery tasks of the reviewers app. Each calls a service and is safe to run twice."""
from celery import shared_task

from reviewers.reminders import send_review_reminders as send


@shared_task(name="reviewers.send_review_reminders")
def send_review_reminders() -> int:
    """Daily (celery beat, 08:05 Asia/Shanghai): deadline-in-three-days and overdue reminders, each once."""
    return send()
