"""The shape shared by the commands that rebuild, or with --verify check, a stored figure of every
round or one (reviewers' review aggregates, finance's money cells): round selection, timing, the
report, and exit status 1 on any drift."""
import time

from django.core.management.base import BaseCommand, CommandError

from grants.models import GrantRound


class RoundRebuildCommand(BaseCommand):
    drift_unit = "figures"  # what "N drifting … in all." counts

    def rebuild(self, round: GrantRound) -> str:
        """Rebuilds the round's stored rows; returns what the report says of it."""
        raise NotImplementedError

    def verify(self, round: GrantRound) -> tuple[int, str, list[str]]:
        """(drifting count, the report line, detail lines) from a recomputation that writes nothing."""
        raise NotImplementedError

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
                count, line, details = self.verify(r)
                drifting += count
            else:
                line, details = self.rebuild(r), []
            self.stdout.write(f"{r.code}: {line} [{time.perf_counter() - started:.1f} s]")
            for detail in details:
                self.stdout.write(f"  {detail}")
        if verify and drifting:
            self.stderr.write(f"{drifting} drifting {self.drift_unit} in all.")
            raise SystemExit(1)
        if verify:
            self.stdout.write(self.style.SUCCESS("No drift."))
