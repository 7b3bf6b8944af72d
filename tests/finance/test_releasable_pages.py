"""The releasable tranches of a round are paged (issue 18): the same queries for a short and a long
list, the summary counts every page, and a batch takes the ticked tranches of the page or, with the
second button, every tranche matching the filters."""
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance.models import Batch, Tranche, TrancheState
from finance.views import batches as batch_views
from tests.finance.conftest import signed

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_releasable_tranches_are_paged_and_one_button_takes_them_all(world, officers, monkeypatch):
    monkeypatch.setattr(batch_views, "TRANCHES_PER_PAGE", 2)
    for amount in ("10000.00", "20000.00", "30000.00"):
        signed(world, amount)
    client = Client()
    client.force_login(officers[0])
    url = reverse("finance:batch_new")
    few = _queries(client, f"{url}?round={world.round.pk}")
    signed(world, "40000.00")
    assert _queries(client, f"{url}?round={world.round.pk}") == few
    page1 = client.get(url, {"round": world.round.pk}).content.decode()
    page2 = client.get(url, {"round": world.round.pk, "page": 2}).content.decode()
    assert page1.count('name="tranche"') == page2.count('name="tranche"') == 2
    assert 'data-testid="count">4<' in page2  # the summary counts every page
    assert client.get(url, {"round": world.round.pk, "page": "x"}).status_code == 200
    # The first button takes the ticked tranches of the page, the second every matching one.
    ticked = [v.split('"')[0] for v in page1.split('name="tranche" value="')[1:]]
    client.post(f"{url}?round={world.round.pk}", {"round": world.round.pk, "tranche": ticked[:1]})
    assert Batch.objects.get().tranches.count() == 1
    client.post(f"{url}?round={world.round.pk}", {"round": world.round.pk, "all": "1"})
    assert Batch.objects.order_by("-pk").first().tranches.count() == 3
    assert not Tranche.objects.filter(state=TrancheState.RELEASABLE, amount__gt=0).exists()
