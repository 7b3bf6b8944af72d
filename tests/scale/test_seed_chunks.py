"""The scale builder writes a round chunk by chunk (tools.scale_data.CHUNK projects at a time, COPY on
PostgreSQL, multi-row INSERT on SQLite); the rows must be as consistent as a build in one piece:
full panels of the round's size, no expert over the round's load limit, a ledger that reconciles."""
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count

from finance import selectors
from finance.ledger import reconciliation_problems
from finance.models import Tranche
from projects.models import Project
from reviewers.models import Assignment, AssignmentState
from tools import scale_data

pytestmark = pytest.mark.django_db


def test_a_round_built_in_small_chunks_is_consistent():
    builder = scale_data.ScaleBuilder(experts=12, seed=3, reviews_per_project=3, chunk=7)
    rows_before = scale_data.written.total()
    with transaction.atomic():
        builder.create_round()
        # A tight limit, so the builder must raise it from the load of every chunk so far.
        builder.round.max_load_per_expert = 1
        builder.round.save(update_fields=["max_load_per_expert"])
        summary = builder.add_projects(40)
    round = builder.round
    round.refresh_from_db()
    assert summary["projects"] == Project.objects.filter(round=round).count() == 40
    assert round.experts_per_project == 3
    assert scale_data.written.total() - rows_before >= 40 * 10  # every chunk was written

    panels = Counter(Assignment.objects.filter(project__round=round).values_list("project_id", flat=True))
    reviewed = Project.objects.filter(round=round, state__in=scale_data.REVIEWED_STATES)
    assert reviewed.exists()
    assert {pk: panels[pk] for pk in reviewed.values_list("pk", flat=True)} == dict.fromkeys(
        reviewed.values_list("pk", flat=True), 3)
    decided = reviewed.exclude(state="under_review").values_list("pk", flat=True)
    submitted = Counter(Assignment.objects.filter(project__round=round, state=AssignmentState.SUBMITTED)
                        .values_list("project_id", flat=True))
    assert all(submitted[pk] == 3 for pk in decided)

    # Later chunks know the load the earlier ones put on each expert.
    loads = Assignment.objects.filter(project__round=round).values("expert_id").annotate(n=Count("id"))
    assert max(row["n"] for row in loads) <= round.max_load_per_expert

    assert Tranche.objects.filter(project__round=round).exists()
    assert reconciliation_problems(selectors.round_totals(round), selectors.tranche_state_sums(round)) == []
