"""A transfer the bank returned for a reason of its own (the account was fine): finance puts the
tranche back for a new batch without a bank-detail change, with a reason, audited on the project
and shown to the payee; the new batch still shows the earlier failure."""
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from finance import services
from finance.models import BankDetailChange, Tranche, TrancheState
from projects.models import ProjectEvent
from tests.finance.conftest import approved_batch
from tests.finance.test_failed_transfer import returned  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
REASON = "银行系统日终批处理故障退汇，经电话核实账户正常"


def requeue(client, tranche, reason):
    return client.post(reverse("finance:tranche_requeue", args=[tranche.pk]), {"reason": reason})


def test_finance_puts_a_returned_transfer_back_with_a_reason_and_it_is_paid_in_a_new_batch(
        officers, returned, client, django_capture_on_commit_callbacks):
    world, project, batch, tranche = returned
    client.force_login(officers[0])
    page = client.get(reverse("finance:batch_new"), {"round": world.round.pk}).content.decode()
    assert f'data-testid="awaiting-{tranche.pk}"' in page and "账户已冻结" in page

    # Without a reason: refused in Chinese, nothing changes.
    response = requeue(client, tranche, "  ")
    assert response.status_code == 302
    assert Tranche.objects.get(pk=tranche.pk).failure_reason == "账户已冻结"
    assert "请说明为何无需变更收款账户" in client.get(response["Location"]).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = requeue(client, tranche, REASON)
    assert response.status_code == 302
    after = Tranche.objects.get(pk=tranche.pk)
    assert (after.state, after.failure_reason) == (TrancheState.RELEASABLE, "")
    assert not BankDetailChange.objects.exists()  # no account change was needed
    audit = ProjectEvent.objects.get(project=project, action="payment_requeued")
    assert audit.actor == officers[0] and "账户已冻结" in audit.comment and REASON in audit.comment
    assert audit.data == {"tranche": 1, "bank_reason": "账户已冻结", "reason": REASON}

    member = world.member_for(project)
    assert Notification.objects.filter(recipient=member, text__contains="经财务核实收款账户无误").exists()
    client.force_login(member)
    mine = client.get(reverse("applicant:project", args=[project.pk])).content.decode()
    assert "经财务核实收款账户无误" in mine and REASON in mine and "<strong>payment_requeued<" not in mine
    assert "请更新收款账户" not in mine.split('data-testid="timeline"')[0]  # no longer asked to change it

    # A second time is refused: it is no longer a returned transfer.
    client.force_login(officers[0])
    requeue(client, tranche, REASON)
    assert ProjectEvent.objects.filter(project=project, action="payment_requeued").count() == 1

    second = approved_batch(world, officers, [tranche.pk])
    page = client.get(reverse("finance:batch_detail", args=[second.pk])).content.decode()
    assert 'data-testid="earlier-failures"' in page and "账户已冻结" in page and batch.number in page
    services.record_payment(actor=officers[1], tranche_id=tranche.pk, paid_on=timezone.localdate(), bank_reference="R2")
    assert Tranche.objects.get(pk=tranche.pk).state == TrancheState.PAID


def test_only_finance_may_put_a_returned_transfer_back(officers, returned, client):
    world, project, batch, tranche = returned
    for user in (world.officer, world.member_for(project)):
        client.force_login(user)
        assert requeue(client, tranche, REASON).status_code == 404
    assert Tranche.objects.get(pk=tranche.pk).failure_reason == "账户已冻结"


def test_a_tranche_that_was_never_returned_cannot_be_put_back(officers, returned, client):
    world, project, batch, tranche = returned
    other = project.tranches.get(seq=2)
    client.force_login(officers[0])
    response = requeue(client, other, REASON)
    assert "不是等待处理的退汇款项" in client.get(response["Location"]).content.decode()
    assert not ProjectEvent.objects.filter(action="payment_requeued").exists()
