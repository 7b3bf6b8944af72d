"""Issue 12, finding 7: a failed transfer is followed through. Both sides are told, the payee sees
what happened and asks for a corrected account, finance approves it (audited before/after), and
the tranche is paid in a new batch whose page shows the earlier failure."""
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from finance import services
from finance.errors import FinanceError
from finance.models import BankDetailChange, ChangeState, LineStatus, Tranche, TrancheState
from grants import services as grants_services
from grants.errors import GrantsError
from grants.models import Organization
from projects.models import ProjectEvent
from tests.builders import World
from tests.finance.conftest import approved_batch, signed

NEW_ACCOUNT = {"bank_account_name": "", "bank_name": "中国农业银行温州鹿城支行", "bank_account_no": "6228480000000000017",
               "bank_code": "103333000017", "reason": "原账户被司法冻结，改用基本户"}


@pytest.fixture
def returned(officers, client, django_capture_on_commit_callbacks):
    """A project whose first tranche (26,000.00) the bank returned: 账户已冻结."""
    world = World()
    project = signed(world, "65000.00", title="乙项目")
    batch = approved_batch(world, officers)
    tranche = project.tranches.get(seq=1)
    client.force_login(officers[1])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finance:tranche_fail", args=[tranche.pk]), {"reason": "账户已冻结"})
    tranche.refresh_from_db()
    return world, project, batch, tranche


def test_the_failure_is_kept_in_the_batch_and_both_sides_are_told(officers, returned):
    world, project, batch, tranche = returned
    assert (tranche.state, tranche.batch, tranche.failure_reason) == (TrancheState.RELEASABLE, None, "账户已冻结")
    line = batch.lines.get()
    assert (line.status, line.failure_reason, line.amount) == (LineStatus.FAILED, "账户已冻结", Decimal("26000.00"))
    member = world.member_for(project)
    told = Notification.objects.get(recipient=member)
    assert "首期拨付失败（账户已冻结），请更新收款账户" in told.text and told.url == reverse("applicant:bank_details")
    for officer in officers[:1] + officers[2:]:  # every other finance officer
        assert Notification.objects.filter(recipient=officer, text__contains="账户已冻结").exists()


def test_the_payees_project_page_says_what_happened(returned, client):
    world, project, batch, tranche = returned
    client.force_login(world.member_for(project))
    page = client.get(reverse("applicant:project", args=[project.pk])).content.decode()
    assert "首期拨付失败（账户已冻结），请更新收款账户" in page
    assert "正在拨付中" not in page and 'data-testid="next-step"' not in page
    assert reverse("applicant:bank_details") in page


def test_a_returned_tranche_cannot_go_into_a_batch_until_the_account_is_corrected(officers, returned):
    world, project, batch, tranche = returned
    assert not services.releasable_tranches(round_id=world.round.pk).filter(pk=tranche.pk).exists()
    with pytest.raises(FinanceError, match="须待收款账户变更获批后再编入批次"):
        services.create_batch(actor=officers[0], round_id=world.round.pk, tranche_ids=[tranche.pk])


def test_the_account_changes_only_through_an_approved_request_then_the_tranche_is_paid_again(
        officers, returned, client, django_capture_on_commit_callbacks):
    world, project, batch, tranche = returned
    org = project.organization
    before = {f: getattr(org, f) for f in ("bank_account_name", "bank_name", "bank_account_no", "bank_code")}
    # The officer's organization form can no longer change the account of a signed organization.
    org.bank_account_no = "6228480000000000999"
    with pytest.raises(GrantsError, match="收款账户变更申请"):
        grants_services.save_organization(actor=world.officer, organization=org)
    # The member asks for the change on the applicant page.
    member = world.member_for(project)
    client.force_login(member)
    page = client.get(reverse("applicant:bank_details")).content.decode()
    assert "账户已冻结" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applicant:bank_details"), {**NEW_ACCOUNT, "bank_account_name": org.name})
    change = BankDetailChange.objects.get()
    assert (change.state, change.before, change.bank_account_no) == (
        ChangeState.PENDING, before, NEW_ACCOUNT["bank_account_no"])
    assert Organization.objects.get(pk=org.pk).bank_account_no == before["bank_account_no"]  # not yet
    assert Notification.objects.filter(recipient=officers[0], text__contains="申请变更收款账户").exists()
    # Finance approves through the page's POST.
    client.force_login(officers[0])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finance:decide_bank_change", args=[change.pk, "approve"]), {"comment": "已核对开户证明"})
    change.refresh_from_db()
    assert (change.state, change.decided_by) == (ChangeState.APPROVED, officers[0])
    assert Organization.objects.get(pk=org.pk).bank_account_no == NEW_ACCOUNT["bank_account_no"]
    audit = ProjectEvent.objects.get(project=project, action="bank_details_changed")
    assert before["bank_account_no"] in audit.comment and NEW_ACCOUNT["bank_account_no"] in audit.comment
    assert audit.data["before"] == before and audit.data["after"]["bank_account_no"] == NEW_ACCOUNT["bank_account_no"]
    assert Notification.objects.filter(recipient=member, text__contains="已批准").exists()
    # The tranche is releasable again and goes into a new batch, which shows the earlier failure.
    assert Tranche.objects.get(pk=tranche.pk).failure_reason == ""
    second = approved_batch(world, officers, [tranche.pk])
    page = client.get(reverse("finance:batch_detail", args=[second.pk])).content.decode()
    assert 'data-testid="earlier-failures"' in page and "账户已冻结" in page and batch.number in page
    assert second.lines.get().account_no == NEW_ACCOUNT["bank_account_no"]
    services.record_payment(actor=officers[1], tranche_id=tranche.pk, paid_on=timezone.localdate(),
                            bank_reference="HX2")
    assert Tranche.objects.get(pk=tranche.pk).state == TrancheState.PAID
    # The first batch still shows its failure beside the approval.
    first = client.get(reverse("finance:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="failed-count">1<' in first and "账户已冻结" in first


def test_a_rejection_needs_a_reason_and_changes_nothing(officers, returned, client):
    world, project, batch, tranche = returned
    org = project.organization
    change = services.request_bank_detail_change(actor=world.member_for(project), organization_id=org.pk,
                                                 **{**NEW_ACCOUNT, "bank_account_name": org.name})
    client.force_login(officers[0])
    client.post(reverse("finance:decide_bank_change", args=[change.pk, "reject"]), {"comment": ""})
    assert BankDetailChange.objects.get(pk=change.pk).state == ChangeState.PENDING
    client.post(reverse("finance:decide_bank_change", args=[change.pk, "reject"]), {"comment": "开户证明与户名不符"})
    assert BankDetailChange.objects.get(pk=change.pk).state == ChangeState.REJECTED
    assert Organization.objects.get(pk=org.pk).bank_account_no == org.bank_account_no
    assert Tranche.objects.get(pk=tranche.pk).failure_reason == "账户已冻结"


def test_requests_are_checked_and_only_members_may_ask(officers, returned, client):
    world, project, batch, tranche = returned
    org = project.organization
    other_org, stranger = world.new_org()
    with pytest.raises(FinanceError, match="只有本机构的成员"):
        services.request_bank_detail_change(actor=stranger, organization_id=org.pk, **NEW_ACCOUNT)
    with pytest.raises(FinanceError) as exc:
        services.request_bank_detail_change(actor=world.member_for(project), organization_id=org.pk,
                                            **{**NEW_ACCOUNT, "bank_account_name": "别的名字", "reason": ""})
    assert "请说明变更收款账户的原因" in exc.value.errors
    assert any("必须与机构登记名称" in e for e in exc.value.errors)
    # A crafted POST by a member of another organization only ever reaches their own organization.
    client.force_login(stranger)
    client.post(reverse("applicant:bank_details"), {**NEW_ACCOUNT, "bank_account_name": org.name})
    assert not BankDetailChange.objects.filter(organization=org).exists()
    # Only finance decides.
    change = services.request_bank_detail_change(actor=world.member_for(project), organization_id=org.pk,
                                                 **{**NEW_ACCOUNT, "bank_account_name": org.name})
    client.force_login(world.officer)
    assert client.post(reverse("finance:decide_bank_change", args=[change.pk, "approve"])).status_code == 404
    assert BankDetailChange.objects.get(pk=change.pk).state == ChangeState.PENDING
