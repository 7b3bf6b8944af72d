"""Every list page issues the same number of queries with 20 and with 2,000 projects in the round.

The data comes from the seed_scale builder (bulk inserts, every state, full histories), so each
page lists real rows of every kind: a query per row shows up as a difference between the two runs.
"""
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from finance.models import Batch, Tranche, TrancheState
from grants.models import Organization
from projects.models import Milestone, Project
from reviewers.models import Assignment
from tests.scale.bulk import counted_get, measured_small_and_large

# The marker makes pytest-django create the test database; the module fixture commits its own data.
pytestmark = pytest.mark.django_db

FEW, MANY = 20, 2000


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # officer, finance, expert or "" (the public)
    url: object  # (scale round) -> URL
    size: object  # (scale round) -> how many rows the page is about, to prove the data grew


def _largest_batch(scale) -> Batch:
    return (Batch.objects.filter(round=scale.round).annotate(n=Count("tranches")).order_by("-n", "pk").first())


def _expert(scale):
    return scale.people.experts[0]


PAGES = [
    Page("officer project list", "officer", lambda s: reverse("projects:officer_list"),
         lambda s: Project.objects.count()),
    Page("officer project list, one state", "officer",
         lambda s: reverse("projects:officer_list") + f"?round={s.round.pk}&state=rejected",
         lambda s: Project.objects.filter(state="rejected").count()),
    Page("review round (panels)", "officer", lambda s: reverse("reviewers:round", args=[s.round.pk]),
         lambda s: Project.objects.filter(round=s.round, state__in=["under_review", "reviewed"]).count()),
    Page("ranking and decision", "officer", lambda s: reverse("reviewers:ranking", args=[s.round.pk]),
         lambda s: Assignment.objects.filter(project__round=s.round, state="submitted").count()),
    Page("公示 management", "officer", lambda s: reverse("reviewers:round_publicity", args=[s.round.pk]),
         lambda s: Project.objects.filter(round=s.round, state__in=["approved", "publicity", "objection"]).count()),
    Page("expert: my reviews", "expert", lambda s: reverse("reviewers:my_reviews"),
         lambda s: Assignment.objects.filter(expert=_expert(s)).count()),
    Page("finance: batch list", "finance", lambda s: reverse("finance:batch_list"),
         lambda s: Batch.objects.count()),
    Page("finance: batch page", "finance", lambda s: reverse("finance:batch_detail", args=[_largest_batch(s).pk]),
         lambda s: _largest_batch(s).tranches.count()),
    Page("finance: releasable tranches", "finance",
         lambda s: reverse("finance:batch_new") + f"?round={s.round.pk}",
         lambda s: Tranche.objects.filter(state=TrancheState.RELEASABLE).count()),
    Page("finance: ledger", "finance", lambda s: reverse("finance:ledger") + f"?round={s.round.pk}",
         lambda s: s.round.batches.count()),
    Page("finance: overview", "finance", lambda s: reverse("finance:home") + f"?round={s.round.pk}",
         lambda s: Tranche.objects.count()),
    Page("public: home", "", lambda s: reverse("public:index"), lambda s: Project.objects.count()),
    Page("public: round", "", lambda s: reverse("public:round", args=[s.round.pk]), lambda s: Project.objects.count()),
    Page("public: 公示 list", "", lambda s: reverse("reviewers:publicity", args=[s.round.pk]),
         lambda s: Project.objects.filter(publicity_start__isnull=False).count()),
    Page("public: 公示 list, page 2", "", lambda s: reverse("reviewers:publicity", args=[s.round.pk]) + "?page=2",
         lambda s: Project.objects.filter(publicity_start__isnull=False).count()),
    Page("public: open data csv of the round", "", lambda s: reverse("public:open_data", args=["csv"]) + f"?round={s.round.pk}",
         lambda s: Project.objects.filter(round=s.round).count()),
    Page("public: open data json", "", lambda s: reverse("public:open_data", args=["json"]),
         lambda s: Project.objects.count()),
    Page("evaluation work list", "officer", lambda s: reverse("monitoring:evaluations"),
         lambda s: Project.objects.filter(state__in=["in_progress", "midterm_review", "final_review"]).count()),
    Page("monitoring dashboard", "officer", lambda s: reverse("monitoring:dashboard", args=[s.round.pk]),
         lambda s: Project.objects.filter(round=s.round).count()),
    # officers' pages a crawl of every round page found whole-round (issue 18, second pass)
    Page("officer home (work queue)", "officer", lambda s: reverse("home"),
         lambda s: Milestone.objects.filter(completed_on__isnull=True).count()),
    Page("review rounds list", "officer", lambda s: reverse("reviewers:rounds"),
         lambda s: Assignment.objects.filter(project__round=s.round).count()),
    Page("expert progress board", "officer", lambda s: reverse("reviewers:progress", args=[s.round.pk]),
         lambda s: Assignment.objects.filter(project__round=s.round).count()),
    Page("round settings", "officer", lambda s: reverse("rounds:detail", args=[s.round.pk]),
         lambda s: Project.objects.filter(round=s.round).count()),
    Page("overdue milestones", "officer", lambda s: reverse("monitoring:overdue", args=[s.round.pk]),
         lambda s: Milestone.objects.filter(project__round=s.round, completed_on__isnull=True).count()),
    Page("organization verification", "officer", lambda s: reverse("organizations:review"),
         lambda s: Organization.objects.count()),
    Page("expert detail", "officer", lambda s: reverse("reviewers:expert", args=[_expert(s).pk]),
         lambda s: Organization.objects.count()),
]


def _measure(scale) -> dict[str, tuple[int, int]]:
    people = scale.people
    users = {"officer": people.officer, "finance": people.finance[0], "expert": _expert(scale).user}
    # The same cache state both times, empty: page 2 of the 公示 list reads what page 1 cached, and a
    # local-memory cache that earlier tests in this process filled culls a third of its entries at
    # random when full (MAX_ENTRIES), so page 2 found page 1's entry in some runs and not in others.
    cache.clear()
    result = {}
    for page in PAGES:
        client = Client()
        if page.who:
            client.force_login(users[page.who])
        url = page.url(scale)
        queries, response = counted_get(client, url)
        assert response.status_code == 200, f"{page.name}: {url} answered {response.status_code}"
        result[page.name] = (queries, page.size(scale))
    return result


def _measure_grown(scale) -> dict[str, tuple[int, int]]:
    if Project.objects.filter(round=scale.round).count() > FEW:
        assert Project.objects.filter(round=scale.round).count() == MANY
    return _measure(scale)


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return measured_small_and_large(FEW, MANY, _measure_grown)


@pytest.mark.parametrize("page", [p.name for p in PAGES])
def test_same_queries_for_20_and_2000_projects(counts, page):
    few, many = counts
    (queries_few, size_few), (queries_many, size_many) = few[page], many[page]
    assert size_many > size_few, f"{page}: the data did not grow ({size_few} → {size_many})"
    assert queries_many == queries_few, (
        f"{page}: {queries_few} queries for {size_few} rows, {queries_many} for {size_many} rows")
