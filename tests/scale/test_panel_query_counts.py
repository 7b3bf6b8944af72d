"""The panel pages (oral defense, fill-down, 评审汇总表) issue the same number of queries for a round of
20 projects and one of 1,200 (issue 18): they read the stored ranking through its index, a page of
candidates, the rows a proposal needs, the first rows of the summary, never the whole round.

The data comes from the seed_scale builder (tests.scale.bulk) with its stored aggregates rebuilt; the
pot is set so that the proposal funds one project in full, cuts the next and lists reserves."""
import pytest
from django.test import Client
from django.urls import reverse

from finance.commitments import pot_figures
from grants.models import GrantRound
from reviewers import aggregates, round_summary, stored_ranking
from tests.scale.bulk import counted_get, measured_small_and_large

# The marker makes pytest-django create the test database; the module fixture commits its own data.
pytestmark = pytest.mark.django_db

FEW, MANY = 20, 1200
PAGES = {
    "oral defense": lambda r: reverse("reviewers:defense", args=[r.pk]),
    "oral defense, page 2": lambda r: reverse("reviewers:defense", args=[r.pk]) + "?page=2",
    "fill-down": lambda r: reverse("reviewers:filldown", args=[r.pk]),
    "review summary": lambda r: reverse("reviewers:round_summary", args=[r.pk]),
}


def _prepare(scale) -> GrantRound:
    """Stored aggregates for the bulk-built round, and a pot that funds the first decidable project
    and cuts the second."""
    round = GrantRound.objects.get(pk=scale.round.pk)
    aggregates.rebuild_round(round)
    first, second = stored_ranking.decidable(round).values_list("requested", flat=True)[:2]
    committed = pot_figures(round).committed
    GrantRound.objects.filter(pk=round.pk).update(pot=committed + first + second / 2)
    return GrantRound.objects.get(pk=round.pk)


def _measure(scale) -> dict[str, tuple[int, object]]:
    round = _prepare(scale)
    client = Client()
    client.force_login(scale.people.officer)
    result = {}
    for name, url in PAGES.items():
        result[name] = counted_get(client, url(round))
        assert result[name][1].status_code == 200, f"{name}: answered {result[name][1].status_code}"
    return result


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return measured_small_and_large(FEW, MANY, _measure)


@pytest.mark.parametrize("page", list(PAGES))
def test_same_queries_for_20_and_1200_projects(counts, page):
    few, many = counts
    assert many[page][0] == few[page][0], f"{page}: {few[page][0]} queries for {FEW} projects, {many[page][0]} for {MANY}"


def test_the_pages_showed_what_they_are_about(counts):
    """The larger round's pages hold a full page of candidates, a cut proposal and the summary's first rows."""
    few, many = counts
    assert len(many["oral defense"][1].context["candidates"]) == 100
    assert many["oral defense, page 2"][1].context["page"].number == 2
    for size in (few, many):
        kinds = [line.kind for line, _row, _n in size["fill-down"][1].context["lines"]]
        assert kinds[:2] == ["fund", "cut"]
    assert many["review summary"][1].context["large"]
    assert len(many["review summary"][1].context["rows"]) == round_summary.INLINE_LIMIT
    assert not few["review summary"][1].context["large"]
