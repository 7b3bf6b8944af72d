"""Starts the jobs that build the open-data files (csv and json) of every round with public projects
and of every round together: after an upgrade from a version that built them per request, or to
rebuild by hand. Unchanged content is not written again."""
from django.core.management.base import BaseCommand

from projects import open_data_files


class Command(BaseCommand):
    help = "Start the jobs that build the open-data files of every round with public projects."

    def handle(self, *args, **options):
        for round_id in open_data_files.rounds_to_build():
            job = open_data_files.refresh(round_id)
            label = "every round" if round_id is None else f"round {round_id}"
            self.stdout.write(f"{label}: {'job started' if job else 'a job is already queued (or no officer to own it)'}")
