"""A scale round for tests, from the same bulk builder as `manage.py seed_scale` (tools.scale_data).

Committed outside the per-test transaction so several tests can read one expensive build; the
caller removes it with remove() when done.
"""
from django.db import transaction

from finance import money_cells
from tools import scale_data


class ScaleRound:
    def __init__(self, *, projects: int, experts: int = 10, seed: int = 7):
        self.builder = scale_data.ScaleBuilder(experts=experts, seed=seed)
        with transaction.atomic():
            self.builder.create_round()
            self.builder.add_projects(projects)
            money_cells.rebuild_round(self.builder.round)  # the bulk ledger bypasses money_cells.append

    @property
    def round(self):
        return self.builder.round

    @property
    def people(self):
        return self.builder.people

    def grow(self, projects: int) -> None:
        with transaction.atomic():
            self.builder.add_projects(projects)
            money_cells.rebuild_round(self.builder.round)

    @staticmethod
    def remove() -> None:
        scale_data.remove_scale_round()
