"""Rebuilds the dashboard's stored evaluation and indicator cells (projects.dashboard_cells) of every
round or one, or with --verify recomputes them from the evaluations and indicators without writing and
reports the cells that drifted (exit status 1 on any drift). The migration that adds them fills them."""
from grants.round_commands import RoundRebuildCommand
from projects import dashboard_cells


class Command(RoundRebuildCommand):
    help = "Rebuilds (or with --verify checks) the dashboard's stored evaluation and indicator cells."
    drift_unit = "cells"

    def rebuild(self, round):
        evaluations, indicators = dashboard_cells.rebuild_round(round)
        return f"{evaluations} evaluation cells, {indicators} indicator cells rebuilt"

    def verify(self, round):
        evaluations, indicators = dashboard_cells.drift(round)
        return evaluations + indicators, f"{evaluations} drifting evaluation cells, {indicators} drifting indicator cells", []
