"""Rebuilds the stored money cells (finance.money_cells) of every round or one, or with --verify
recomputes them from the ledger without writing and reports every drifting cell, and the committed
figure they give against finance.commitments.committed_split (exit status 1 on any drift)."""
import time

from django.core.management.base import BaseCommand, CommandError

from finance import money_cells
from finance.commitments import committed_split
from grants.models import GrantRound
from projects.models import Project


class Command(BaseCommand):
    help = "Rebuilds (or with --verify checks) the stored money cells behind the finance and monitoring pages."

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
                truth = committed_split(Project.objects.filter(round=r))[0]
                problems = money_cells.drift(r, truth_committed=truth)
                drifting += len(problems)
                self.stdout.write(f"{r.code}: {len(problems)} drifting figures [{time.perf_counter() - started:.1f} s]")
                for problem in problems[:20]:
                    self.stdout.write(f"  {problem}")
            else:
                n = money_cells.rebuild_round(r)
                self.stdout.write(f"{r.code}: {n} money cells rebuilt [{time.perf_counter() - started:.1f} s]")
        if verify and drifting:
            self.stderr.write(f"{drifting} drifting figures in all.")
            raise SystemExit(1)
        if verify:
            self.stdout.write(self.style.SUCCESS("No drift."))
