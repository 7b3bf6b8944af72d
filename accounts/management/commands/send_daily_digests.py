"""Sends today's notification digests (also run daily by celery beat); safe to run twice a day."""
from django.core.management.base import BaseCommand

from accounts.services import send_daily_digests


class Command(BaseCommand):
    help = "Send one e-mail per digest reader with the notifications waiting for it (once per day)."

    def handle(self, *args, **options):
        sent = send_daily_digests()
        self.stdout.write(f"digests sent: {sent}")
