"""Finance inputs at the edges (finding 6 and 7 of the security assessment): a bad round id, a
foreign tranche, a payment dated in the future, a failure on a batch never approved, a bomb posted as
the bank's result file. Every one is answered with a page or a 404, never a 500."""
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from core import spreadsheets
from core.calendar import today
from finance import services
from finance.models import BatchState, Payment, PaymentFailure, TrancheState
from tests.finance.conftest import approved_batch, signed
from tests.security.test_input_edges import bomb

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", "1e30", "-1", "99999999999999999999999", ""])
def test_a_bad_round_on_the_new_batch_page_is_a_page_not_a_500(world, officers, value):
    client = Client(raise_request_exception=False)
    client.force_login(officers[0])
    url = reverse("finance:batch_new")
    assert client.get(url, {"round": value}).status_code == 200
    assert client.post(url, {"round": value, "tranche": ["1"]}).status_code == 200


def test_removing_a_foreign_or_malformed_tranche_from_a_batch_is_a_404(world, officers):
    signed(world, "10000.00")
    batch = services.create_batch(actor=officers[0], round_id=world.round.pk)
    other = signed(world, "20000.00").tranches.get(state=TrancheState.RELEASABLE)
    client = Client(raise_request_exception=False)
    client.force_login(officers[0])
    url = reverse("finance:batch_action", args=[batch.pk, "remove"])
    for value in (str(other.pk), "abc", "1e30", "99999999999999999999999", ""):
        assert client.post(url, {"tranche": value}).status_code == 404, value
    mine = batch.tranches.get()
    assert client.post(url, {"tranche": str(mine.pk)}).status_code == 302
    assert not batch.tranches.exists()


@pytest.fixture
def batch(world, officers):
    signed(world, "10000.00")
    return approved_batch(world, officers)


def test_a_payment_dated_in_the_future_or_years_back_is_refused(world, officers, batch, client):
    tranche = batch.tranches.get()
    client.force_login(officers[0])
    url = reverse("finance:tranche_pay", args=[tranche.pk])
    for day, message in (("2099-01-01", "付款日期不能晚于今天"),
                         ((today() + timedelta(days=1)).isoformat(), "付款日期不能晚于今天"),
                         ("1999-12-31", "付款日期不能早于3年前")):
        response = client.post(url, {"paid_on": day, "bank_reference": "HX1"}, follow=True)
        assert message in page(response), day
    assert not Payment.objects.exists()
    response = client.post(url, {"paid_on": today().isoformat(), "bank_reference": "HX1"}, follow=True)
    assert Payment.objects.filter(tranche=tranche).exists()


def test_a_result_file_dated_in_the_future_is_refused(world, officers, batch, client):
    tranche = batch.tranches.get()
    content = (f"reference,account,amount,status,reason\n{tranche.reference},"
               f"{tranche.project.organization.bank_account_no},{tranche.amount:.2f},成功,\n").encode()
    upload = io.BytesIO(content)
    upload.name = "result.csv"
    client.force_login(officers[0])
    response = client.post(reverse("finance:batch_results", args=[batch.pk]),
                           {"file": upload, "paid_on": "2099-01-01"}, follow=True)
    assert "付款日期不能晚于今天" in page(response)
    assert not Payment.objects.exists()


def test_a_bank_failure_on_a_batch_never_approved_is_refused(world, officers, client):
    signed(world, "10000.00")
    batch = services.create_batch(actor=officers[0], round_id=world.round.pk)
    services.submit_batch(actor=officers[0], batch_id=batch.pk)
    tranche = batch.tranches.get()
    client.force_login(officers[0])
    response = client.post(reverse("finance:tranche_fail", args=[tranche.pk]), {"reason": "户名不符"}, follow=True)
    assert response.status_code == 200 and "尚未审批" in page(response)
    assert not PaymentFailure.objects.exists()
    batch.refresh_from_db()
    assert batch.state == BatchState.SUBMITTED


def test_a_bomb_posted_as_the_bank_result_file_is_refused_before_parsing(world, officers, batch, client):
    upload = io.BytesIO(bomb())
    upload.name = "result.xlsx"
    client.force_login(officers[0])
    response = client.post(reverse("finance:batch_results", args=[batch.pk]),
                           {"file": upload, "paid_on": today().isoformat()}, follow=True)
    assert response.status_code == 200 and "压缩炸弹" in page(response)
    assert not Payment.objects.exists()


def test_an_oversized_bank_result_file_is_refused_from_its_size_before_it_is_read(
        world, officers, batch, client, settings, monkeypatch):
    settings.SPREADSHEET_MAX_BYTES = 2048
    read_sizes = []
    real = spreadsheets.read_upload

    def spy(upload, **kwargs):
        read_sizes.append(upload.size)
        return real(upload, **kwargs)

    monkeypatch.setattr("finance.views.batches.read_upload", spy)
    upload = io.BytesIO(b"reference,account,amount,status,reason\n" + b"YC00000001,1,1.00,ok,\n" * 200)
    upload.name = "result.csv"
    client.force_login(officers[0])
    response = client.post(reverse("finance:batch_results", args=[batch.pk]),
                           {"file": upload, "paid_on": today().isoformat()}, follow=True)
    assert "文件超过 2 KB，请拆分后分批导入" in page(response)
    assert read_sizes and read_sizes[0] > 2048 and not Payment.objects.exists()
