"""Deadline day for bench/deadline.py: `manage.py seed_deadline --drafts 2000`.

An open round whose application window ends today, with one organization, member and draft
application per draft (bulk inserts through tools.deadline_data). Refuses to run twice unless
--replace, which removes the previous deadline round, its organizations and `deadline-*` accounts.
"""
from django.core.management.base import BaseCommand, CommandError

from tools import deadline_data


class Command(BaseCommand):
    help = "Builds an open round (deadline today) with many draft applications (bulk inserts) for load tests."

    def add_arguments(self, parser):
        parser.add_argument("--drafts", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--replace", action="store_true", help="Remove an existing deadline round first.")

    def handle(self, *args, drafts: int, seed: int, replace: bool, **options):
        if drafts < 1:
            raise CommandError("--drafts must be at least 1.")
        if deadline_data.existing_round() is not None:
            if not replace:
                raise CommandError(f"A deadline round (code {deadline_data.ROUND_CODE}) already exists. "
                                   "Run with --replace to remove it and build a new one.")
            deadline_data.remove_deadline_round()
        deadline_data.build_deadline_round(drafts=drafts, seed=seed, log=self.stdout.write)
        self.stdout.write(f"Accounts: {deadline_data.member_name(1)} … {deadline_data.member_name(drafts)}; "
                          f"password {deadline_data.PASSWORD}")
