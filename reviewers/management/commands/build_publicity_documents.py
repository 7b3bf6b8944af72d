"""Builds the 公示 files (PDF and xlsx) of every round with a notice, or of the rounds given, in the
background: after an upgrade from a version that rendered them per request, or to rebuild by hand.
Unchanged content is not rendered again."""
from django.core.management.base import BaseCommand

from reviewers import publicity_documents


class Command(BaseCommand):
    help = "Start the jobs that build the 公示 files of every round with a notice (or of the rounds given)."

    def add_arguments(self, parser):
        parser.add_argument("round_ids", nargs="*", type=int)

    def handle(self, *args, round_ids, **options):
        for round_id in round_ids or publicity_documents.rounds_with_notices():
            jobs = publicity_documents.refresh(actor=None, round_id=round_id)
            self.stdout.write(f"round {round_id}: {len(jobs)} job(s) started")
