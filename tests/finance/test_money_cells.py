"""Stored money cells (issue 18): after any sequence of real service calls (sign, release, batch, pay,
bank return, withhold, cancel, terminate, claw back, repay, settle) the cells equal a fresh recompute
from the ledger, and the figures the pages read from them equal the one money truth
(finance.commitments) and the ledger totals per domain and district; the rebuild command's --verify
fails on a corrupted cell and the rebuild repairs it."""
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, run_state_machine_as_test

from accounts.models import Role
from core.money import quantize_fen
from finance import money_cells, selectors
from finance import services as finance
from finance.commitments import committed_by, committed_split, pot_figures, round_money
from finance.models import Clawback, MoneyCase, MoneyCell
from projects import services
from projects.models import Project
from projects.states import State
from tests.builders import World, pay_through_batch
from tests.factories import UserFactory
from tests.finance import test_money_invariants as invariants
from tests.finance.conftest import signed

pytestmark = pytest.mark.django_db(transaction=False)

D = Decimal
PLACES = [("elderly", "鹿城区"), ("youth", "瓯海区"), ("elderly", "瓯海区")]


def assert_cells_are_the_truth(round):
    assert money_cells.drift(round, truth_committed=committed_split(Project.objects.filter(round=round))[0]) == []
    money = round_money(round)
    assert money_cells.committed(round) == money.committed
    assert pot_figures(round).left == money.left
    projects = Project.objects.filter(round=round)
    for field in ("domain", "service_district"):
        truth = {key: quantize_fen(amount) for key, amount in committed_by(projects, field).items()}
        assert money_cells.committed_by(round, field) == truth, field
    ledger = selectors.round_totals(round)
    cells = money_cells.round_totals(round)
    assert (cells.approved, cells.states, cells.clawed_back, cells.repaid) == (
        ledger.approved, ledger.states, ledger.clawed_back, ledger.repaid)
    for dimension in ("domain", "district"):
        by_ledger = [(k, t.approved, t.states, t.clawed_back, t.repaid) for k, t in selectors.totals_by(round, dimension)]
        by_cells = [(k, t.approved, t.states, t.clawed_back, t.repaid) for k, t in money_cells.totals_by(round, dimension)]
        assert by_cells == by_ledger, dimension


class CellsMachine(invariants.MoneyMachine):
    """The money invariants' machine, with its three projects in different domains and districts."""

    @initialize(requests=st.lists(st.sampled_from(invariants.REQUESTS), min_size=3, max_size=3),
                starts=st.lists(st.sampled_from([State.REVIEWED, State.PUBLICITY, State.CONTRACTED]),
                                min_size=3, max_size=3))
    def round_with_three_reviewed_projects(self, requests, starts):
        self.world = World(pot=invariants.POT, max_amount=D("100000.00"))
        self.preparer, self.checker, self.approver = (UserFactory(role=Role.FINANCE) for _ in range(3))
        for amount, start, (domain, district) in zip(requests, starts, PLACES, strict=True):
            org, member = self.world.new_org()
            project = self.world.draft(org, member, grant_total=amount, labor=invariants._labor(D(amount)))
            services.update_project(actor=member, project_id=project.pk, domain=domain, service_district=district)
            self.world.advance(project, State.REVIEWED)
            self._try("start", lambda p=project, s=start: self.world.advance(p, s))

    @invariant()
    def the_cells_are_the_truth(self):
        if hasattr(self, "world"):
            assert_cells_are_the_truth(self.world.round)


def test_cells_equal_the_money_truth_after_every_step():
    run_state_machine_as_test(CellsMachine, settings=settings(
        max_examples=15, stateful_step_count=15, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    ))


def _cells(round) -> dict:
    return {(c.domain, c.district, c.case): (c.approved, c.paid, c.cancelled, c.clawed_back)
            for c in MoneyCell.objects.filter(round=round)}


def test_termination_moves_the_projects_sums_to_the_terminated_cell():
    world = World(pot=D("500000.00"))
    project = signed(world, "60000.00", domain="youth", service_district="瓯海区")
    first = project.tranches.order_by("seq").first()
    pay_through_batch(first.pk, actor=world.finance, bank_reference="B1")
    key = ("youth", "瓯海区")
    assert _cells(world.round) == {(*key, MoneyCase.SIGNED): (D("60000.00"), first.amount, D("0.00"), D("0.00"))}
    services.terminate_project(actor=world.officer, project_id=project.pk, reason="机构停止运营",
                               clawback_amount=first.amount)
    cells = _cells(world.round)
    assert cells[(*key, MoneyCase.SIGNED)] == (D("0.00"),) * 4
    assert cells[(*key, MoneyCase.TERMINATED)] == (D("60000.00"), first.amount, D("60000.00") - first.amount,
                                                   first.amount)
    assert money_cells.committed(world.round) == first.amount == round_money(world.round).committed
    clawback = Clawback.objects.get(project=project)
    finance.record_repayment(actor=world.finance, clawback_id=clawback.pk, amount=first.amount,
                             repaid_on=timezone.localdate())
    assert money_cells.committed(world.round) == D("0.00") == round_money(world.round).committed
    assert_cells_are_the_truth(world.round)


def test_an_approved_project_not_yet_signed_holds_its_approved_amount():
    world = World(pot=D("500000.00"))
    org, member = world.new_org()
    project = world.advance(world.draft(org, member, grant_total="40000.00", labor="20000.00"), State.PUBLICITY)
    assert not MoneyCell.objects.filter(round=world.round).exists()
    assert money_cells.committed(world.round) == project.approved_amount == round_money(world.round).committed
    assert money_cells.committed_by(world.round, "domain") == {"elderly": project.approved_amount}


def test_verify_fails_on_a_corrupted_cell_and_the_rebuild_repairs_it(capsys):
    world = World(pot=D("500000.00"))
    signed(world, "60000.00")
    call_command("rebuild_money_cells", "--verify")
    assert "No drift." in capsys.readouterr().out
    MoneyCell.objects.filter(round=world.round).update(paid=F("paid") + D("0.01"))
    with pytest.raises(SystemExit) as exit:
        call_command("rebuild_money_cells", "--verify", "--round", str(world.round.pk))
    assert exit.value.code == 1
    out = capsys.readouterr()
    assert "1 drifting figures" in out.out or "2 drifting figures" in out.out
    call_command("rebuild_money_cells", "--round", str(world.round.pk))
    call_command("rebuild_money_cells", "--verify")
    assert_cells_are_the_truth(world.round)


def test_verify_fails_when_a_cell_is_missing():
    world = World(pot=D("500000.00"))
    signed(world, "60000.00")
    MoneyCell.objects.filter(round=world.round).delete()
    with pytest.raises(SystemExit):
        call_command("rebuild_money_cells", "--verify")
