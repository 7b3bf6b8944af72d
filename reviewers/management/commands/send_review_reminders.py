"""Sends the review deadline reminders owed today (also run daily by celery beat); safe to run twice."""
from django.core.management.base import BaseCommand

from reviewers.reminders import send_review_reminders


class Command(BaseCommand):
    help = "Remind experts of reviews due in three days or overdue (each reminder once)."

    def handle(self, *args, **options):
        self.stdout.write(f"reminders sent: {send_review_reminders()}")
