"""Rebuilds the stored review aggregates (reviewers.aggregates) and seat counts (reviewers.seat_counts)
of every round or one, or with --verify recomputes them from the scores and seats without writing and
reports the rows that drifted (exit status 1 on any drift). Run once after deploying the migration that
adds them."""
from grants.round_commands import RoundRebuildCommand
from reviewers import aggregates, seat_counts


class Command(RoundRebuildCommand):
    help = "Rebuilds (or with --verify checks) the stored review aggregates behind the ranking and the seat counts."
    drift_unit = "rows"

    def rebuild(self, round):
        return (f"{aggregates.rebuild_round(round)} project rows rebuilt, "
                f"{seat_counts.rebuild_round(round)} expert seat counts rebuilt")

    def verify(self, round):
        rows, stats, sample = aggregates.drift(round)
        seats, experts = seat_counts.drift(round)
        return rows + stats + seats, (
            f"{rows} drifting project rows, {stats} drifting expert statistics, {seats} drifting seat counts"
            + (f" (projects {', '.join(map(str, sample))})" if sample else "")
            + (f" (experts {', '.join(map(str, experts))})" if experts else "")), []
