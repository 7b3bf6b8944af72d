"""A scripted round: approvals, batches, payments, a failed mid-term and a termination with a
claw-back. Every total comes from the ledger and reconciles with the tranche table."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from finance import selectors, services
from finance.errors import FinanceError
from finance.ledger import Totals, reconciliation_problems
from finance.models import LedgerEntry, Tranche
from projects import services as project_services
from projects.states import State
from tests.builders import pay_through_batch
from tests.finance.conftest import approved_batch, releasable_ids, signed

D = Decimal


@pytest.fixture
def scripted(world, officers):
    a = signed(world, "100000.00")
    b = signed(world, "50000.00")
    c = signed(world, "20000.00")
    d = signed(world, "30000.00", domain="youth", service_district="瓯海区")
    approved_batch(world, officers, releasable_ids(a) + releasable_ids(b) + releasable_ids(c))
    batch = services.create_batch(actor=officers[0], round_id=world.round.pk, tranche_ids=releasable_ids(d))
    services.submit_batch(actor=officers[0], batch_id=batch.pk)
    first = Tranche.objects.filter(project__in=[a, b, c], seq=1)
    for tranche in first:
        services.record_payment(actor=officers[1], tranche_id=tranche.pk, paid_on=date(2026, 3, 1), bank_reference="P")
    # A passes its mid-term; its 二期 is paid through a batch of its own.
    world.advance(a, State.MIDTERM_REVIEW)
    world.advance(a, State.IN_PROGRESS)
    pay_through_batch(a.tranches.get(seq=2).pk, actor=officers[2], paid_on=date(2026, 6, 1))
    # B fails its mid-term: 二期 is withheld.
    project_services.begin_midterm(actor=world.officer, project_id=b.pk)
    project_services.record_evaluation(actor=world.evaluator, project_id=b.pk, kind="midterm", comment="进度严重滞后",
                                       scores={"implementation": 10, "inputs": 5, "finance": 10, "outcomes": 10})
    # C is terminated and owes 3,000 back, repaid in two instalments.
    project_services.terminate_project(actor=world.officer, project_id=c.pk, reason="机构停止运营", clawback_amount="3000")
    clawback = c.__class__.objects.get(pk=c.pk).clawback
    services.record_repayment(actor=officers[0], clawback_id=clawback.pk, amount="1000", repaid_on=date(2026, 7, 1))
    services.record_repayment(actor=officers[0], clawback_id=clawback.pk, amount="2,000.00", repaid_on=date(2026, 8, 1),
                              reference="TH002")
    return {"a": a, "b": b, "c": c, "d": d, "clawback": clawback}


EXPECTED = {
    "approved": D("200000"), "paid": D("108000"), "in_batch": D("12000"), "releasable": D("0"),
    "planned": D("48000"), "withheld": D("20000"), "cancelled": D("12000"), "clawed_back": D("3000"),
    "repaid": D("3000"), "unallocated": D("800000"), "outstanding": D("60000"),
}


def test_totals_reconcile(world, scripted):
    totals = selectors.round_totals(world.round)
    for name, value in EXPECTED.items():
        assert getattr(totals, name) == value, name
    assert totals.pot == totals.approved + totals.unallocated
    assert totals.approved == sum((totals.paid, totals.releasable, totals.planned, totals.withheld, totals.cancelled,
                                   totals.in_batch), D(0))
    assert reconciliation_problems(totals, selectors.tranche_state_sums(world.round)) == []
    by_domain = dict(selectors.totals_by(world.round, "domain"))
    assert (by_domain["youth"].approved, by_domain["youth"].in_batch) == (D("30000"), D("12000"))
    assert by_domain["elderly"].approved == D("170000")
    by_district = dict(selectors.totals_by(world.round, "district"))
    assert by_district["瓯海区"].outstanding == D("30000") and by_district["鹿城区"].clawed_back == D("3000")


def test_repayment_cannot_exceed_what_is_owed(world, scripted):
    with pytest.raises(FinanceError) as exc:
        services.record_repayment(actor=world.finance, clawback_id=scripted["clawback"].pk, amount="0.01",
                                  repaid_on=date(2026, 9, 1))
    assert exc.value.message == "退回金额 0.01 元超过尚未追回的 0.00 元"


def test_dashboard_shows_the_ledger_totals(world, scripted, client):
    client.force_login(world.finance)
    html = client.get(reverse("finance:home"), {"round": world.round.pk}).content.decode()
    # Committed: A, B and D in full (180,000); C terminated, 8,000 paid less 3,000 repaid (5,000).
    for testid, text in [("pot", "1,000,000.00"), ("approved", "200,000.00"), ("paid", "108,000.00"),
                         ("outstanding", "60,000.00"), ("clawed_back", "3,000.00"), ("withheld", "20,000.00"),
                         ("money-committed", "185,000.00"), ("money-left", "815,000.00")]:
        assert f'data-testid="{testid}">{text}<' in html
    assert 'data-testid="reconciliation"' in html and "badge ok" in html
    assert 'data-testid="chart-domain"' in html and "<rect" in html


def test_a_tampered_tranche_table_is_reported(world, scripted):
    totals = selectors.round_totals(world.round)
    sums = selectors.tranche_state_sums(world.round)
    sums["paid"] -= D("0.01")
    assert reconciliation_problems(totals, sums) == ["「paid」台账余额 108,000.00 元与拨款计划 107,999.99 元不一致"]


def test_reconciliation_rules_without_the_database():
    totals = Totals(pot=D("100"), approved=D("150"))
    totals.states["paid"] = D("140")
    assert reconciliation_problems(totals) == [
        "核定金额 150.00 元与各状态合计 140.00 元不一致", "核定金额合计超出资金总额 50.00 元"]


def test_the_ledger_is_append_only(world, scripted):
    entry = LedgerEntry.objects.first()
    entry.amount = D("1")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("1"))
    with pytest.raises(TypeError):
        LedgerEntry.objects.all().delete()
