"""Celery discovers tasks in `<app>.tasks`: the core tasks are defined next to what they serve."""
from core.mail import send_mail_task

__all__ = ["send_mail_task"]
