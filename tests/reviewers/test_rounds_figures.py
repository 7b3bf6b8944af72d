"""The officers' list of rounds: projects under review, open reviews and submitted reviews, each read
from an index or the stored aggregates rather than by joining every seat of the round (issue 18)."""
import pytest
from django.urls import reverse

from reviewers import services
from tests.reviewers.helpers import scores_for

pytestmark = pytest.mark.django_db


def test_the_rounds_list_counts_what_is_under_review_open_and_submitted(client, world, under_review, experts):
    world.round.experts_per_project = 2
    world.round.require_finance_expert = False
    world.round.save()
    projects = under_review(3)
    a, b = experts(2)
    seats = [services.assign_expert(actor=world.officer, project=p, expert=e) for p in projects for e in (a, b)]
    for seat in seats[:3]:  # project 1 fully reviewed (→ 已评审), project 2 half
        services.declare(actor=seat.expert.user, assignment_id=seat.pk, has_conflict=False)
        services.submit_review(actor=seat.expert.user, assignment_id=seat.pk, scores=scores_for("80"), comment="意见")
    client.force_login(world.officer)
    row = client.get(reverse("reviewers:rounds")).context["rounds"][0]
    # Projects 2 and 3 are still under review: 1 + 2 open seats; 3 reviews are in.
    assert (row.n_projects, row.n_open, row.n_submitted) == (2, 3, 3)
