"""Celery app: Redis broker when CELERY_BROKER_URL is set, eager (in-process) otherwise.

Scheduled work runs from celery beat (`celery -A config beat`), next to a worker; the times are
in CELERY_TIMEZONE (Asia/Shanghai).
"""
import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("yichuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "milestone-reminders-daily": {
        "task": "projects.send_milestone_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "review-reminders-daily": {
        "task": "reviewers.send_review_reminders",
        "schedule": crontab(hour=8, minute=5),
    },
    "notification-digests-daily": {
        "task": "accounts.send_daily_digests",
        "schedule": crontab(hour=18, minute=0),
    },
    # The 公示 files of a notice that ended yesterday (reviewers.publicity_documents).
    "publicity-documents-daily": {
        "task": "reviewers.refresh_publicity_documents",
        "schedule": crontab(hour=0, minute=10),
    },
    # Jobs left queued while the broker was down, and jobs whose worker died (documents.tasks).
    "jobs-sweep": {
        "task": "documents.sweep_jobs",
        "schedule": 60.0,
    },
}
