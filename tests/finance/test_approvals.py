"""Finance approvals: a comment at every step, the next signer told, an approval limit per approver,
and the approver's password typed again at 审批 (throttled), all through the pages' POSTs."""
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Notification
from finance import services
from finance.errors import FinanceError
from finance.models import BatchState
from tests.builders import PASSWORD
from tests.finance.conftest import signed


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def checked(world, officers):
    """A batch of 16,000.00 (the first 40% of 40,000) submitted and checked, awaiting 审批."""
    signed(world, "40000.00")
    preparer, checker, _ = officers
    batch = services.create_batch(actor=preparer, round_id=world.round.pk)
    services.submit_batch(actor=preparer, batch_id=batch.pk)
    services.check_batch(actor=checker, batch_id=batch.pk)
    return batch


def post(client, user, batch, action, data=None):
    client.force_login(user)
    return client.post(reverse("finance:batch_action", args=[batch.pk, action]), data or {}, follow=True)


def test_each_step_keeps_its_comment_and_tells_the_next_signer(world, officers, client,
                                                                django_capture_on_commit_callbacks):
    signed(world, "40000.00")
    preparer, checker, approver = officers
    batch = services.create_batch(actor=preparer, round_id=world.round.pk)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, preparer, batch, "submit", {"comment": "本月首期"})
    assert Notification.objects.filter(recipient=checker, text__contains="待审核").exists()
    assert Notification.objects.filter(recipient=approver, text__contains="待审核").exists()
    with django_capture_on_commit_callbacks(execute=True):
        post(client, checker, batch, "send_back", {"reason": "缺少开户证明"})
    assert Notification.objects.filter(recipient=preparer, text__contains="被退回：缺少开户证明").exists()
    post(client, preparer, batch, "submit", {"comment": "已补开户证明"})
    with django_capture_on_commit_callbacks(execute=True):
        post(client, checker, batch, "check", {"comment": "金额核对无误"})
    assert Notification.objects.filter(recipient=approver, text__contains="待审批").exists()
    assert not Notification.objects.filter(recipient=preparer, text__contains="待审批").exists()
    with django_capture_on_commit_callbacks(execute=True):
        post(client, approver, batch, "approve", {"password": PASSWORD, "comment": "同意拨付"})
    assert Notification.objects.filter(recipient=preparer, text__contains="已审批").exists()
    comments = list(batch.events.values_list("action", "comment"))
    assert ("submit", "本月首期") in comments and ("send_back", "缺少开户证明") in comments
    assert ("mark_checked", "金额核对无误") in comments and ("approve", "同意拨付") in comments
    page = client.get(reverse("finance:batch_detail", args=[batch.pk])).content.decode()
    assert "同意拨付" in page and "金额核对无误" in page


def test_a_wrong_password_is_refused_and_repeated_tries_are_locked(officers, checked, client):
    approver = officers[2]
    response = post(client, approver, checked, "approve", {"password": "wrong"})
    assert "密码不正确" in response.content.decode()
    checked.refresh_from_db()
    assert (checked.state, checked.approved_by, checked.lines.count()) == (BatchState.CHECKED, None, 0)
    assert post(client, approver, checked, "approve", {}).status_code == 200  # no password at all
    assert checked.__class__.objects.get(pk=checked.pk).state == BatchState.CHECKED
    for _ in range(3):
        post(client, approver, checked, "approve", {"password": "wrong"})
    # Five wrong: even the right password is refused for a while.
    response = post(client, approver, checked, "approve", {"password": PASSWORD})
    assert "审批已暂时锁定" in response.content.decode()
    assert checked.__class__.objects.get(pk=checked.pk).state == BatchState.CHECKED
    cache.clear()
    post(client, approver, checked, "approve", {"password": PASSWORD})
    assert checked.__class__.objects.get(pk=checked.pk).state == BatchState.APPROVED


def test_an_approver_above_their_limit_is_refused_and_another_with_enough_authority_approves(
        world, officers, checked, client):
    approver = officers[2]
    approver.approval_limit = Decimal("10000.00")
    approver.save()
    response = post(client, approver, checked, "approve", {"password": PASSWORD})
    assert "本批次合计 16,000.00 元，超过您的审批权限 10,000.00 元" in response.content.decode()
    assert checked.__class__.objects.get(pk=checked.pk).state == BatchState.CHECKED
    senior = world.finance
    senior.approval_limit = Decimal("16000.00")  # exactly the total is within the limit
    senior.save()
    post(client, senior, checked, "approve", {"password": PASSWORD})
    checked.refresh_from_db()
    assert (checked.state, checked.approved_by) == (BatchState.APPROVED, senior)


def test_the_approval_limit_is_checked_in_the_service(officers, checked):
    officers[2].approval_limit = Decimal("15999.99")
    with pytest.raises(FinanceError, match="超过您的审批权限"):
        services.approve_batch(actor=officers[2], batch_id=checked.pk, password=PASSWORD)
