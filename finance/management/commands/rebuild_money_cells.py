"""Rebuilds the stored money cells (finance.money_cells) of every round or one, or with --verify
recomputes them from the ledger without writing and reports every drifting cell, and the committed
figure they give against finance.commitments.committed_split (exit status 1 on any drift)."""
from finance import money_cells
from finance.commitments import committed_split
from grants.round_commands import RoundRebuildCommand
from projects.models import Project


class Command(RoundRebuildCommand):
    help = "Rebuilds (or with --verify checks) the stored money cells behind the finance and monitoring pages."

    def rebuild(self, round):
        return f"{money_cells.rebuild_round(round)} money cells rebuilt"

    def verify(self, round):
        problems = money_cells.drift(round, truth_committed=committed_split(Project.objects.filter(round=round))[0])
        return len(problems), f"{len(problems)} drifting figures", problems[:20]
