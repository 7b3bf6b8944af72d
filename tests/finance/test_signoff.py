"""经办 → 审核 → 审批 by three different finance officers; a refused step sends the batch back."""
import pytest
from django.utils import timezone

from finance import services
from finance.errors import FinanceError
from finance.models import BatchEvent, BatchState, LedgerEntry, LedgerKind, Tranche, TrancheState
from finance.signoff import signoff_problems
from tests.builders import PASSWORD
from tests.finance.conftest import approved_batch, signed


class TestRule:
    def test_three_different_people_pass(self):
        assert signoff_problems("check", 2, prepared_by_id=1) == []
        assert signoff_problems("approve", 3, prepared_by_id=1, checked_by_id=2) == []

    def test_checker_may_not_be_the_preparer(self):
        assert signoff_problems("check", 1, prepared_by_id=1) == ["审核人不能与经办人为同一人"]

    def test_approver_may_be_neither(self):
        assert signoff_problems("approve", 1, prepared_by_id=1, checked_by_id=2) == ["审批人不能与经办人为同一人"]
        assert signoff_problems("approve", 2, prepared_by_id=1, checked_by_id=2) == ["审批人不能与审核人为同一人"]
        assert signoff_problems("approve", 1, prepared_by_id=1, checked_by_id=1) == [
            "审批人不能与经办人为同一人", "审批人不能与审核人为同一人"]

    def test_unknown_step(self):
        with pytest.raises(ValueError):
            signoff_problems("pay", 1, prepared_by_id=2)


@pytest.fixture
def batch(world, officers):
    signed(world, "10000.00")
    signed(world, "20000.00")
    return services.create_batch(actor=officers[0], round_id=world.round.pk)


def test_batch_holds_every_releasable_tranche_with_count_and_total(world, officers, batch):
    from finance.selectors import batch_with_figures

    figures = batch_with_figures(officers[1], batch.pk)
    assert (figures.tranche_count, figures.total) == (2, 12000)
    assert set(Tranche.objects.filter(batch=batch).values_list("state", flat=True)) == {TrancheState.IN_BATCH}
    assert LedgerEntry.objects.filter(batch=batch, kind=LedgerKind.BATCHED).count() == 2


def test_filters_by_district_and_domain(world, officers):
    signed(world, "10000.00", service_district="瓯海区")
    signed(world, "10000.00", domain="youth")
    signed(world, "10000.00")
    by_district = services.create_batch(actor=officers[0], round_id=world.round.pk, district="瓯海区")
    assert [t.project.service_district for t in by_district.tranches.all()] == ["瓯海区"]
    by_domain = services.create_batch(actor=officers[0], round_id=world.round.pk, domain="youth")
    assert [t.project.domain for t in by_domain.tranches.all()] == ["youth"]
    with pytest.raises(FinanceError) as exc:
        services.create_batch(actor=officers[0], round_id=world.round.pk, domain="youth")
    assert exc.value.message == "没有符合条件的可拨付款项"


def test_three_steps_by_three_people(world, officers, batch):
    preparer, checker, approver = officers
    services.submit_batch(actor=preparer, batch_id=batch.pk)
    services.check_batch(actor=checker, batch_id=batch.pk)
    services.approve_batch(actor=approver, batch_id=batch.pk, password=PASSWORD)
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED
    assert (batch.prepared_by, batch.checked_by, batch.approved_by) == (preparer, checker, approver)
    assert list(batch.events.values_list("action", "actor_id")) == [
        ("create", preparer.pk), ("submit", preparer.pk), ("mark_checked", checker.pk), ("approve", approver.pk)]


def test_the_preparer_cannot_check(world, officers, batch):
    services.submit_batch(actor=officers[0], batch_id=batch.pk)
    with pytest.raises(FinanceError) as exc:
        services.check_batch(actor=officers[0], batch_id=batch.pk)
    assert exc.value.message == "审核人不能与经办人为同一人"
    batch.refresh_from_db()
    assert batch.state == BatchState.SUBMITTED


@pytest.mark.parametrize("who", [0, 1])
def test_the_preparer_or_checker_cannot_approve(world, officers, batch, who):
    services.submit_batch(actor=officers[0], batch_id=batch.pk)
    services.check_batch(actor=officers[1], batch_id=batch.pk)
    with pytest.raises(FinanceError) as exc:
        services.approve_batch(actor=officers[who], batch_id=batch.pk, password=PASSWORD)
    assert exc.value.message == ["审批人不能与经办人为同一人", "审批人不能与审核人为同一人"][who]
    batch.refresh_from_db()
    assert batch.state == BatchState.CHECKED and batch.approved_by is None


def test_only_the_preparer_submits(world, officers, batch):
    with pytest.raises(FinanceError) as exc:
        services.submit_batch(actor=officers[1], batch_id=batch.pk)
    assert exc.value.message == "只有该批次的经办人可以提交审核"


def test_steps_cannot_be_skipped(world, officers, batch):
    with pytest.raises(FinanceError) as exc:
        services.approve_batch(actor=officers[2], batch_id=batch.pk, password=PASSWORD)
    assert "不能审批" in exc.value.message


def test_other_roles_cannot_take_a_step(world, officers, batch):
    services.submit_batch(actor=officers[0], batch_id=batch.pk)
    for outsider in (world.officer, world.member):
        with pytest.raises(FinanceError) as exc:
            services.check_batch(actor=outsider, batch_id=batch.pk)
        assert exc.value.message == "只有财务人员可以审核拨付批次"


def test_a_refused_approval_sends_the_batch_back_with_its_reason(world, officers, batch):
    preparer, checker, approver = officers
    services.submit_batch(actor=preparer, batch_id=batch.pk)
    services.check_batch(actor=checker, batch_id=batch.pk)
    with pytest.raises(FinanceError) as exc:
        services.send_back_batch(actor=approver, batch_id=batch.pk, reason="  ")
    assert exc.value.message == "退回拨付批次须填写理由"
    services.send_back_batch(actor=approver, batch_id=batch.pk, reason="第2笔账号与协议不一致")
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT
    assert batch.rejection_reason == "第2笔账号与协议不一致"
    assert batch.checked_by is None
    event = BatchEvent.objects.filter(batch=batch).last()
    assert (event.action, event.actor, event.comment) == ("send_back", approver, "第2笔账号与协议不一致")
    # The 经办 corrects the batch and the sign-offs start over.
    removed = batch.tranches.order_by("pk").last()
    services.remove_from_batch(actor=preparer, batch_id=batch.pk, tranche_id=removed.pk)
    removed.refresh_from_db()
    assert (removed.state, removed.batch) == (TrancheState.RELEASABLE, None)
    services.submit_batch(actor=preparer, batch_id=batch.pk)
    services.check_batch(actor=checker, batch_id=batch.pk)
    services.approve_batch(actor=approver, batch_id=batch.pk, password=PASSWORD)
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED and batch.rejection_reason == ""


def test_the_preparer_cannot_send_back_their_own_batch(world, officers, batch):
    services.submit_batch(actor=officers[0], batch_id=batch.pk)
    with pytest.raises(FinanceError) as exc:
        services.send_back_batch(actor=officers[0], batch_id=batch.pk, reason="撤回")
    assert exc.value.message == "审核人不能与经办人为同一人"


def test_a_tranche_in_an_unapproved_batch_cannot_be_paid(world, officers, batch):
    tranche = batch.tranches.first()
    with pytest.raises(FinanceError) as exc:
        services.record_payment(actor=officers[2], tranche_id=tranche.pk, paid_on=timezone.localdate())
    assert exc.value.message == f"拨付批次 {batch.number} 尚未审批，不能登记拨付"


def test_paying_every_tranche_closes_the_batch(world, officers):
    signed(world, "10000.00")
    batch = approved_batch(world, officers)
    for tranche in batch.tranches.all():
        services.record_payment(actor=officers[0], tranche_id=tranche.pk, paid_on=timezone.localdate(),
                                bank_reference="B1")
    batch.refresh_from_db()
    assert batch.state == BatchState.CLOSED
