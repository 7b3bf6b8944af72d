"""Rebuilds the stored review aggregates (reviewers.aggregates) of every round or one, or with
--verify recomputes them from the scores without writing and reports the rows that drifted (exit
status 1 on any drift). Run once after deploying the migration that adds them."""
import time

from django.core.management.base import BaseCommand, CommandError

from grants.models import GrantRound
from reviewers import aggregates


class Command(BaseCommand):
    help = "Rebuilds (or with --verify checks) the stored review aggregates behind the ranking."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, help="Only this round (id).")
        parser.add_argument("--verify", action="store_true", help="Recompute and compare; write nothing.")

    def handle(self, *args, round=None, verify=False, **options):
        rounds = GrantRound.objects.order_by("pk")
        if round is not None:
            rounds = rounds.filter(pk=round)
            if not rounds.exists():
                raise CommandError(f"No round with id {round}.")
        drifting = 0
        for r in rounds:
            started = time.perf_counter()
            if verify:
                rows, stats, sample = aggregates.drift(r)
                drifting += rows + stats
                self.stdout.write(f"{r.code}: {rows} drifting project rows, {stats} drifting expert statistics"
                                  + (f" (projects {', '.join(map(str, sample))})" if sample else "")
                                  + f" [{time.perf_counter() - started:.1f} s]")
            else:
                n = aggregates.rebuild_round(r)
                self.stdout.write(f"{r.code}: {n} project rows rebuilt [{time.perf_counter() - started:.1f} s]")
        if verify and drifting:
            self.stderr.write(f"{drifting} drifting rows in all.")
            raise SystemExit(1)
        if verify:
            self.stdout.write(self.style.SUCCESS("No drift."))
