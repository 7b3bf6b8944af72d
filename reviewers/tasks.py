"""Celery tasks of the reviewers app. Each calls a service and is safe to run twice."""
from celery import shared_task

from reviewers.publicity_documents import refresh_ended_notices
from reviewers.reminders import send_review_reminders as send


@shared_task(name="reviewers.send_review_reminders")
def send_review_reminders() -> int:
    """Daily (celery beat, 08:05 Asia/Shanghai): deadline-in-three-days and overdue reminders, each once."""
    return send()


@shared_task(name="reviewers.refresh_publicity_documents")
def refresh_publicity_documents() -> list[int]:
    """Daily (celery beat, 00:10 Asia/Shanghai): the 公示 files of rounds whose notice period ended
    yesterday are built again (their 状态 column changes); unchanged content is not rendered again."""
    return refresh_ended_notices()
