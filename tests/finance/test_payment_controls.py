"""Issue 12, findings 1, 2, 3 and 9 (0.00 tranches): money leaves only through an approved batch,
the bank file exists only after 审批, and an approved batch keeps what was approved for ever.
Controls are exercised through HTTP with crafted POSTs, as someone bypassing the pages would."""
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from finance import services
from finance.errors import FinanceError
from finance.models import BatchState, Payment, Tranche, TrancheState
from grants.models import Organization
from projects.errors import ProjectError
from tests.builders import PASSWORD, World
from tests.documents.pdfcheck import pdf_text
from tests.finance.conftest import approved_batch, signed


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_a_crafted_post_cannot_pay_a_releasable_tranche_outside_a_batch(world, officers, client):
    project = signed(world, "10000.00")
    tranche = project.tranches.get(seq=1)
    assert tranche.state == TrancheState.RELEASABLE
    client.force_login(officers[0])
    response = client.post(reverse("finance:tranche_pay", args=[tranche.pk]),
                           {"paid_on": "2026-03-02", "bank_reference": "HX001"}, follow=True)
    assert not Payment.objects.filter(tranche=tranche).exists()
    assert Tranche.objects.get(pk=tranche.pk).state == TrancheState.RELEASABLE
    assert "款项须编入拨付批次，经审核、审批后方可拨付" in response.content.decode()


@pytest.mark.parametrize("step", ["draft", "submitted", "checked"])
def test_a_crafted_post_cannot_pay_or_fail_a_tranche_of_an_unapproved_batch(world, officers, client, step):
    signed(world, "10000.00")
    preparer, checker, _ = officers
    batch = services.create_batch(actor=preparer, round_id=world.round.pk)
    if step in ("submitted", "checked"):
        services.submit_batch(actor=preparer, batch_id=batch.pk)
    if step == "checked":
        services.check_batch(actor=checker, batch_id=batch.pk)
    tranche = batch.tranches.get()
    client.force_login(officers[2])
    client.post(reverse("finance:tranche_pay", args=[tranche.pk]), {"paid_on": "2026-03-02", "bank_reference": "X"})
    client.post(reverse("finance:tranche_fail", args=[tranche.pk]), {"reason": "账户已冻结"})
    tranche.refresh_from_db()
    assert (tranche.state, tranche.failure_reason) == (TrancheState.IN_BATCH, "")
    assert not Payment.objects.exists() and not tranche.failures.exists()


def test_the_bank_file_does_not_exist_before_approval(world, officers, client):
    signed(world, "10000.00")
    batch = services.create_batch(actor=officers[0], round_id=world.round.pk)
    client.force_login(officers[0])
    response = client.get(reverse("finance:export_bank", args=[batch.pk]))
    assert response.status_code == 302 and "Content-Disposition" not in response
    page = client.get(reverse("finance:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="export-bank"' not in page and 'data-testid="bank-file-later"' in page


def test_before_approval_the_list_and_the_approval_form_are_drafts_on_every_page_and_row(world, officers, client):
    for amount in ("10000.00", "20000.00"):
        signed(world, amount)
    batch = services.create_batch(actor=officers[0], round_id=world.round.pk)
    client.force_login(officers[1])
    response = client.get(reverse("finance:export_list", args=[batch.pk]))
    assert "草稿" in response["Content-Disposition"] or "%E8%8D%89%E7%A8%BF" in response["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert "草稿" in ws["A1"].value
    assert "草稿" in ws.oddHeader.center.text  # printed at the top of every page
    notes = [row[17].value for row in ws.iter_rows(min_row=4, max_row=5)]
    assert all(n and n.startswith("草稿") for n in notes) and len(notes) == 2
    pdf = client.get(reverse("finance:approval_pdf", args=[batch.pk])).content
    assert squeeze(pdf_text(pdf)).count("草稿") >= 2


def test_zero_amount_tranches_never_enter_a_batch(db):
    """A 0.01 grant would split 0.00 / 0.00 / 0.01: the decision is refused (tests/finance/test_zero_tranche.py),
    so no 0.00 tranche exists to enter a batch; create_batch and the approval keep their own check."""
    world = World(min_amount=Decimal("0.01"))
    with pytest.raises(ProjectError, match="至少须为 0.05 元"):
        signed(world, "0.01")
    assert not Tranche.objects.exists()
    assert not services.releasable_tranches(round_id=world.round.pk).exists()


@pytest.fixture
def two_transfers(officers):
    """Approved as 2 笔 / 42,000.00 (first tranches of 40,000 and 65,000); one paid, one returned."""
    world = World()
    a = signed(world, "40000.00", title="甲项目")
    b = signed(world, "65000.00", title="乙项目")
    batch = approved_batch(world, officers)
    ta, tb = a.tranches.get(seq=1), b.tranches.get(seq=1)
    assert (ta.amount, tb.amount) == (Decimal("16000.00"), Decimal("26000.00"))
    return world, batch, ta, tb


def test_closing_after_a_failure_keeps_what_was_approved_beside_what_was_paid(officers, client, two_transfers):
    world, batch, paid, failed = two_transfers
    client.force_login(officers[1])
    client.post(reverse("finance:tranche_pay", args=[paid.pk]), {"paid_on": "2026-03-02", "bank_reference": "HX1"})
    client.post(reverse("finance:tranche_fail", args=[failed.pk]), {"reason": "账户已冻结"})
    batch.refresh_from_db()
    assert batch.state == BatchState.CLOSED
    page = client.get(reverse("finance:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="batch-count">2<' in page and 'data-testid="batch-total">42,000.00<' in page
    assert 'data-testid="paid-count">1<' in page and 'data-testid="batch-paid">16,000.00<' in page
    assert 'data-testid="failed-count">1<' in page and 'data-testid="batch-failed">26,000.00<' in page
    assert "账户已冻结" in page
    listing = client.get(reverse("finance:batch_list")).content.decode()
    assert "42,000.00" in listing and "16,000.00" in listing and "26,000.00" in listing
    text = squeeze(pdf_text(client.get(reverse("finance:approval_pdf", args=[batch.pk])).content))
    assert "审批笔数2笔" in text and "42,000.00" in text
    assert "已拨付1笔¥16,000.00元" in text and "退汇/失败1笔¥26,000.00元" in text and "¥26,000.00元，原因：账户已冻结" in text
    # The frozen list still has both rows, the returned one marked with the bank's reason.
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(
        client.get(reverse("finance:export_list", args=[batch.pk])).streaming_content))).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4, max_row=5)]
    assert [Decimal(str(r[12])) for r in rows] == [Decimal("16000.00"), Decimal("26000.00")]
    assert rows[1][17] == "银行退汇：账户已冻结"


def test_the_bank_file_reads_the_account_frozen_at_approval(officers, client, two_transfers):
    world, batch, paid, failed = two_transfers
    org = failed.project.organization
    frozen_account = org.bank_account_no
    # Even a change that bypasses the services (a database edit) does not reach an approved batch.
    Organization.objects.filter(pk=org.pk).update(bank_account_no="6222000000000000999")
    client.force_login(officers[0])
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(
        client.get(reverse("finance:export_bank", args=[batch.pk])).streaming_content))).active
    accounts = [row[1].value for row in ws.iter_rows(min_row=2)]
    assert frozen_account in accounts and "6222000000000000999" not in accounts
    # The bank's result is checked against the approved account too.
    assert batch.lines.get(tranche=failed).account_no == frozen_account


def test_a_payment_is_refused_when_the_tranche_no_longer_matches_the_approved_amount(officers, two_transfers):
    world, batch, paid, _ = two_transfers
    Tranche.objects.filter(pk=paid.pk).update(amount=Decimal("15000.00"))
    with pytest.raises(FinanceError, match="与批次审批的 16,000.00 元不一致"):
        services.record_payment(actor=officers[0], tranche_id=paid.pk, paid_on=timezone.localdate())


def test_approval_freezes_lines_and_needs_a_complete_account(officers):
    world = World()
    project = signed(world, "10000.00")
    Organization.objects.filter(pk=project.organization_id).update(bank_account_no="")
    preparer, checker, approver = officers
    batch = services.create_batch(actor=preparer, round_id=world.round.pk)
    services.submit_batch(actor=preparer, batch_id=batch.pk)
    services.check_batch(actor=checker, batch_id=batch.pk)
    with pytest.raises(FinanceError, match="收款账户不完整（缺少账号）"):
        services.approve_batch(actor=approver, batch_id=batch.pk, password=PASSWORD)
    batch.refresh_from_db()
    assert (batch.state, batch.approved_count, batch.lines.count()) == (BatchState.CHECKED, None, 0)
