"""A project terminated while its tranche sits in an approved batch: the line is withdrawn (撤回)
with the reason, nothing is paid, the batch closes once the other lines have the bank's answer, and
the approved figures the three signatures cover stay as approved, with paid / returned / withdrawn
shown beside them."""
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from finance import services
from finance.errors import FinanceError
from finance.models import BatchState, LedgerEntry, LineStatus, TrancheState
from tests.builders import World
from tests.documents.pdfcheck import pdf_text
from tests.finance.conftest import approved_batch, signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_in_an_approved_batch(officers):
    world = World()
    kept = signed(world, "50000.00", title="甲项目")
    ended = signed(world, "65000.00", title="乙项目")
    batch = approved_batch(world, officers)
    return world, batch, kept, ended


def terminate(client, world, project, captured):
    client.force_login(world.officer)
    with captured(execute=True):
        response = client.post(reverse("projects:officer_action", args=[project.pk, "terminate"]),
                               {"comment": "机构停止运营", "amount": "0"})
    assert response.status_code == 302


def test_termination_withdraws_the_line_and_the_batch_closes_when_the_rest_is_answered(
        officers, two_in_an_approved_batch, client, django_capture_on_commit_callbacks):
    world, batch, kept, ended = two_in_an_approved_batch
    approved = (batch.approved_count, batch.approved_total)
    assert approved == (2, Decimal("46000.00"))  # 40% of 50,000 + 40% of 65,000
    terminate(client, world, ended, django_capture_on_commit_callbacks)

    line = batch.lines.get(tranche__project=ended)
    assert line.status == LineStatus.WITHDRAWN and "项目终止" in line.failure_reason and "机构停止运营" in line.failure_reason
    tranche = ended.tranches.get(seq=1)
    assert (tranche.state, tranche.batch_id) == (TrancheState.CANCELLED, None)
    with pytest.raises(FinanceError):
        services.record_payment(actor=officers[1], tranche_id=tranche.pk, paid_on=timezone.localdate())
    assert Notification.objects.filter(recipient=officers[0], text__contains="已撤回").exists()

    # The bank file made from now on leaves the withdrawn transfer out.
    client.force_login(officers[0])
    bank_file = openpyxl.load_workbook(io.BytesIO(client.get(reverse("finance:export_bank", args=[batch.pk])).getvalue()))
    cells = {str(c.value) for row in bank_file.active.iter_rows() for c in row if c.value is not None}
    assert kept.tranches.get(seq=1).reference in cells and tranche.reference not in cells

    # Still one transfer without the bank's answer: the batch stays open for it.
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED
    client.force_login(officers[1])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finance:tranche_pay", args=[kept.tranches.get(seq=1).pk]),
                    {"paid_on": timezone.localdate().isoformat(), "bank_reference": "B-1"})
    batch.refresh_from_db()
    assert batch.state == BatchState.CLOSED
    assert (batch.approved_count, batch.approved_total) == approved  # what was signed, unchanged

    page = client.get(reverse("finance:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="batch-count">2<' in page and 'data-testid="batch-total">46,000.00<' in page
    assert 'data-testid="batch-paid">20,000.00<' in page and 'data-testid="batch-withdrawn">26,000.00<' in page
    assert "机构停止运营" in page
    form = "".join(pdf_text(client.get(reverse("finance:approval_pdf", args=[batch.pk])).content).split())
    assert "撤回（项目终止）1笔¥26,000.00元" in form and "审批金额（小写）¥46,000.00元" in form
    # The ledger still reconciles: the withdrawn tranche is cancelled, nothing paid for it.
    assert not LedgerEntry.objects.filter(tranche=tranche, kind="paid").exists()


def test_when_the_withdrawn_line_was_the_last_one_the_batch_closes_at_once(
        officers, client, django_capture_on_commit_callbacks):
    world = World()
    ended = signed(world, "65000.00", title="乙项目")
    batch = approved_batch(world, officers)
    terminate(client, world, ended, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.state == BatchState.CLOSED and batch.approved_total == Decimal("26000.00")
    assert batch.events.last().action == "close"
