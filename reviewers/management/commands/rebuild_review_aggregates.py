"""Rebuilds the stored review aggregates (reviewers.aggregates) of every round or one, or with
--verify recomputes them from the scores without writing and reports the rows that drifted (exit
status 1 on any drift). Run once after deploying the migration that adds them."""
from grants.round_commands import RoundRebuildCommand
from reviewers import aggregates


class Command(RoundRebuildCommand):
    help = "Rebuilds (or with --verify checks) the stored review aggregates behind the ranking."
    drift_unit = "rows"

    def rebuild(self, round):
        return f"{aggregates.rebuild_round(round)} project rows rebuilt"

    def verify(self, round):
        rows, stats, sample = aggregates.drift(round)
        return rows + stats, (f"{rows} drifting project rows, {stats} drifting expert statistics"
                              + (f" (projects {', '.join(map(str, sample))})" if sample else "")), []
