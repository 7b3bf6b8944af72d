"""Twenty finance officers record the same payment at the same moment: exactly one wins."""
from datetime import date
from unittest import mock

import pytest
from django.db import connection

from accounts.models import Role
from finance import money_cells, services
from finance.commitments import committed_split, round_money
from finance.errors import FinanceError
from finance.models import LedgerEntry, LedgerKind, Payment, TrancheState
from projects import services as project_services
from projects.models import Project
from tests.builders import World
from tests.factories import UserFactory
from tests.finance.conftest import approved_batch, signed
from tests.races import race, slowed

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SELECT ... FOR UPDATE row locks between concurrent connections"),
    pytest.mark.django_db(transaction=True),
]
THREADS = 20


def pay_all_at_once(tranche_id, users):
    with mock.patch("finance.services._pay_locked", slowed(services._pay_locked, 0.05)):
        return race([
            lambda u=u: services.record_payment(actor=u, tranche_id=tranche_id, paid_on=date(2026, 3, 2),
                                                bank_reference=f"REF-{u.pk}")
            for u in users
        ])


def assert_exactly_one(outcomes, tranche):
    payments = [o for o in outcomes if isinstance(o, Payment)]
    errors = [o for o in outcomes if isinstance(o, FinanceError)]
    assert len(payments) == 1, outcomes
    assert len(errors) == THREADS - 1, [o for o in outcomes if not isinstance(o, (Payment, FinanceError))]
    assert {e.message for e in errors} == {f"{tranche.project.code} {tranche.name}已登记拨付，不能重复拨付"}
    assert Payment.objects.filter(tranche=tranche).count() == 1
    assert LedgerEntry.objects.filter(tranche=tranche, kind=LedgerKind.PAID).count() == 1
    tranche.refresh_from_db()
    assert tranche.state == TrancheState.PAID


def test_twenty_concurrent_payments_of_a_releasable_tranche_outside_a_batch_are_all_refused():
    """Money leaves only through an approved batch (issue 12): none of 20 racing attempts pays it."""
    world = World()
    project = signed(world, "10000.00")
    tranche = project.tranches.get(seq=1)
    users = [UserFactory(role=Role.FINANCE) for _ in range(THREADS)]
    outcomes = pay_all_at_once(tranche.pk, users)
    assert all(isinstance(o, FinanceError) and "不在拨付批次中" in o.message for o in outcomes), outcomes
    assert not Payment.objects.filter(tranche=tranche).exists()
    assert not LedgerEntry.objects.filter(tranche=tranche, kind=LedgerKind.PAID).exists()


def test_twenty_concurrent_payments_of_a_batched_tranche():
    world = World()
    signed(world, "10000.00")
    users = [UserFactory(role=Role.FINANCE) for _ in range(THREADS)]
    batch = approved_batch(world, users[:3])
    tranche = batch.tranches.get()
    assert_exactly_one(pay_all_at_once(tranche.pk, users), tranche)


def test_a_payment_and_the_projects_termination_at_the_same_moment_leave_the_money_cells_exact():
    """The payment holds its tranche while the termination starts: the termination's move of the
    project's sums to the terminated cell waits for it (finance.money_cells.project_moved), so the paid
    amount is moved with the rest instead of staying behind in the signed cell."""
    world = World()
    project = signed(world, "10000.00")
    officers = [UserFactory(role=Role.FINANCE) for _ in range(4)]
    tranche = approved_batch(world, officers[:3]).tranches.get()
    with mock.patch("finance.services._pay_locked", slowed(services._pay_locked, 0.5)):
        outcomes = race([
            lambda: services.record_payment(actor=officers[3], tranche_id=tranche.pk, paid_on=date(2026, 3, 2),
                                            bank_reference="REF-1"),
            lambda: project_services.terminate_project(actor=world.officer, project_id=project.pk,
                                                       reason="机构停止运营"),
        ])
    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, FinanceError)], outcomes
    truth = committed_split(Project.objects.filter(round=world.round))[0]
    assert money_cells.drift(world.round, truth_committed=truth) == []
    assert money_cells.committed(world.round) == round_money(world.round).committed
