"""Finance pages: finance officers only (404 for everyone else), constant query counts."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.finance.conftest import approved_batch, signed


@pytest.fixture
def batch(world, officers):
    signed(world, "10000.00")
    return approved_batch(world, officers)


def pages(batch, world):
    return [
        reverse("finance:home"), reverse("finance:batch_list"), reverse("finance:batch_new"),
        reverse("finance:batch_detail", args=[batch.pk]), reverse("finance:export_list", args=[batch.pk]),
        reverse("finance:export_bank", args=[batch.pk]), reverse("finance:clawbacks"),
        reverse("finance:ledger") + f"?round={world.round.pk}",
    ]


def test_finance_officers_and_admins_see_every_page(world, batch, client):
    for user in (world.finance, world.admin):
        client.force_login(user)
        for url in pages(batch, world):
            assert client.get(url).status_code == 200, url


def test_everyone_else_gets_404(world, batch, client):
    for user in (world.officer, world.member, world.evaluator, world.expert.user):
        client.force_login(user)
        for url in pages(batch, world):
            assert client.get(url).status_code == 404, (user.role, url)
        tranche = batch.tranches.get()
        assert client.post(reverse("finance:tranche_pay", args=[tranche.pk]),
                           {"paid_on": "2026-03-02", "bank_reference": "X"}).status_code == 404
        assert client.post(reverse("finance:batch_action", args=[batch.pk, "close"])).status_code == 404
    assert not tranche.__class__.objects.filter(pk=tranche.pk, state="paid").exists()


def test_anonymous_is_sent_to_login(world, batch, client):
    response = client.get(reverse("finance:batch_detail", args=[batch.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_missing_batch_is_404(world, client):
    client.force_login(world.finance)
    assert client.get(reverse("finance:batch_detail", args=[99999])).status_code == 404


def test_unknown_batch_action_is_404(world, batch, client):
    client.force_login(world.finance)
    assert client.post(reverse("finance:batch_action", args=[batch.pk, "explode"])).status_code == 404


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_rows(world, officers, client):
    signed(world, "10000.00")
    few = approved_batch(world, officers)
    client.force_login(world.finance)
    urls = lambda b: [reverse("finance:home"), reverse("finance:batch_list"),  # noqa: E731
                      reverse("finance:batch_detail", args=[b.pk]), reverse("finance:batch_new"),
                      reverse("finance:clawbacks")]
    before = [count_queries(client, url) for url in urls(few)]
    for amount in ("11000.00", "12000.00", "13000.00"):
        signed(world, amount, service_district="瓯海区", domain="youth")
    many = approved_batch(world, officers)
    after = [count_queries(client, url) for url in urls(many)]
    assert before == after
