"""Celery app: Redis broker when CELERY_BROKER_URL is set, eager (in-process) otherwise."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("yichuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
