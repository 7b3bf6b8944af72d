"""A scale round for tests, from the same bulk builder as `manage.py seed_scale` (tools.scale_data).

Committed outside the per-test transaction so several tests can read one expensive build; the
caller removes it with remove() when done.
"""
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from documents.models import PublishedFile
from finance import money_cells
from projects import open_data_files
from tools import scale_data


class ScaleRound:
    def __init__(self, *, projects: int, experts: int = 10, seed: int = 7):
        self.builder = scale_data.ScaleBuilder(experts=experts, seed=seed)
        with transaction.atomic():
            self.builder.create_round()
            self.builder.add_projects(projects)
            money_cells.rebuild_round(self.builder.round)  # the bulk ledger bypasses money_cells.append
        self._open_data()

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
        self._open_data()

    def _open_data(self) -> None:
        """What the open-data job does after a publication (the bulk builder bypasses the services, as
        `seed_scale` does, which builds them the same way): the downloads stream these files."""
        for round_id in (self.builder.round.pk, None):
            open_data_files.build(round_id)

    @staticmethod
    def remove() -> None:
        scale_data.remove_scale_round()
        # Their records name the round by id only: none is left for a later round that reuses the id.
        PublishedFile.objects.filter(key__startswith="open-data-").delete()


def counted_get(client, url: str) -> tuple[int, Any]:
    """(queries, response) of a GET as the first reader after a change sees it: once to warm what is
    cached per process (content types), then the page's own cache cleared and the queries counted."""
    client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx), response


def measured_small_and_large(few: int, many: int, measure: Callable[["ScaleRound"], Any]) -> tuple[Any, Any]:
    """measure(scale round) with `few` projects, then again after growing the same round to `many`;
    the round is removed in any case."""
    scale = ScaleRound(projects=few)
    try:
        small = measure(scale)
        scale.grow(many - few)
        return small, measure(scale)
    finally:
        ScaleRound.remove()
