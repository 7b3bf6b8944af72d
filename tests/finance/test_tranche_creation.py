"""Tranches made at signing and moved by the project's evaluations and termination."""
from decimal import Decimal

import pytest
from django.utils import timezone

from finance.errors import FinanceError
from finance.models import Clawback, TrancheState
from finance.services import record_payment
from projects import services
from projects.models import Project
from projects.states import State
from tests.builders import World
from tests.projects.lifecycle import FINAL_FAIL, MIDTERM_FAIL, MIDTERM_PASS

pytestmark = pytest.mark.django_db

THIRDS = [
    {"name": "首期", "percent": "33.33", "trigger": "signing"},
    {"name": "二期", "percent": "33.33", "trigger": "midterm_passed"},
    {"name": "尾款", "percent": "33.34", "trigger": "final_passed"},
]
FORTY_FORTY_TWENTY = [
    {"name": "首期", "percent": "40", "trigger": "signing"},
    {"name": "二期", "percent": "40", "trigger": "midterm_passed"},
    {"name": "尾款", "percent": "20", "trigger": "final_passed"},
]
R, P = TrancheState.RELEASABLE, TrancheState.PLANNED


def amounts(project) -> list[Decimal]:
    return list(project.tranches.order_by("seq").values_list("amount", flat=True))


def states(project) -> list[str]:
    return list(project.tranches.order_by("seq").values_list("state", flat=True))


# Expected parts worked out by hand in fen: each but the last rounds half up, the last takes the rest.
@pytest.mark.parametrize("approved, template, expected", [
    ("100000.01", THIRDS, ["33330.00", "33330.00", "33340.01"]),
    ("100000.01", FORTY_FORTY_TWENTY, ["40000.00", "40000.00", "20000.01"]),
    ("33333.33", THIRDS, ["11110.00", "11110.00", "11113.33"]),
    ("33333.33", FORTY_FORTY_TWENTY, ["13333.33", "13333.33", "6666.67"]),
    ("10000.03", THIRDS, ["3333.01", "3333.01", "3334.01"]),
    ("10000.03", FORTY_FORTY_TWENTY, ["4000.01", "4000.01", "2000.01"]),
])
def test_signing_splits_the_approved_amount_by_the_round_template(approved, template, expected):
    world = World(tranche_template=template)
    project = world.advance(world.draft(grant_total=approved, labor="0"), State.CONTRACTED)
    assert project.approved_amount == Decimal(approved)
    assert amounts(project) == [Decimal(a) for a in expected]
    assert sum(amounts(project)) == Decimal(approved)
    rows = list(project.tranches.order_by("seq").values_list("seq", "name", "percent", "trigger"))
    assert rows == [
        (i, t["name"], Decimal(t["percent"]), t["trigger"]) for i, t in enumerate(template, start=1)
    ]
    assert states(project) == [R, P, P]


def test_paying_the_first_tranche_leaves_the_rest_planned(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    assert states(project) == [TrancheState.PAID, P, P]
    assert project.tranches.get(seq=1).payment.amount == Decimal("40000.00")


def test_a_planned_tranche_cannot_be_paid_early(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    with pytest.raises(FinanceError, match="不能拨付"):
        record_payment(actor=world.finance, tranche_id=project.tranches.get(seq=2).pk, paid_on=timezone.localdate())
    assert states(project) == [TrancheState.PAID, P, P]


def test_passing_the_midterm_releases_the_second_tranche(world):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    services.record_evaluation(actor=world.evaluator, project_id=project.pk, kind="midterm", scores=MIDTERM_PASS)
    assert states(project) == [TrancheState.PAID, R, P]
    assert project.tranches.get(seq=2).released_at is not None


def test_failing_the_midterm_withholds_the_second_tranche(world):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    services.record_evaluation(actor=world.evaluator, project_id=project.pk, kind="midterm",
                               scores=MIDTERM_FAIL, comment="活动开展不足计划一半")
    assert states(project) == [TrancheState.PAID, TrancheState.WITHHELD, P]
    with pytest.raises(FinanceError):
        record_payment(actor=world.finance, tranche_id=project.tranches.get(seq=2).pk, paid_on=timezone.localdate())


def test_failing_the_final_withholds_every_unpaid_tranche(world):
    project = world.advance(world.draft(), State.FINAL_REVIEW)
    assert states(project) == [TrancheState.PAID, R, P]
    services.record_evaluation(actor=world.evaluator, project_id=project.pk, kind="final",
                               scores=FINAL_FAIL, comment="指标完成不足")
    assert Project.objects.get(pk=project.pk).state == State.TERMINATED
    assert states(project) == [TrancheState.PAID, TrancheState.WITHHELD, TrancheState.WITHHELD]


def test_passing_the_final_releases_the_last_tranche(world):
    project = world.advance(world.draft(), State.COMPLETED)
    assert states(project) == [TrancheState.PAID, R, R]


class TestTermination:
    def test_cancels_open_tranches_and_records_a_clawback_up_to_what_was_paid(self, world):
        project = world.advance(world.draft(), State.MIDTERM_REVIEW)
        project = world.advance(project, State.IN_PROGRESS)
        assert states(project) == [TrancheState.PAID, R, P]
        services.terminate_project(actor=world.officer, project_id=project.pk, reason="机构注销",
                                   clawback_amount="40000.00")
        assert Project.objects.get(pk=project.pk).state == State.TERMINATED
        assert states(project) == [TrancheState.PAID, TrancheState.CANCELLED, TrancheState.CANCELLED]
        clawback = Clawback.objects.get(project=project)
        assert (clawback.amount, clawback.repaid, clawback.reason) == (Decimal("40000.00"), Decimal("0.00"), "机构注销")
        event = project.events.get(action="terminate")
        assert event.data == {"clawback": "40000.00"}

    def test_a_clawback_above_what_was_paid_refuses_the_whole_termination(self, world):
        project = world.advance(world.draft(), State.IN_PROGRESS)
        with pytest.raises(FinanceError) as refused:
            services.terminate_project(actor=world.officer, project_id=project.pk, reason="机构注销",
                                       clawback_amount="40000.01")
        assert refused.value.message == "追回金额 40,000.01 元不能超过已拨付金额 40,000.00 元"
        assert Project.objects.get(pk=project.pk).state == State.IN_PROGRESS
        assert states(project) == [TrancheState.PAID, P, P]
        assert not Clawback.objects.filter(project=project).exists()
        assert not project.events.filter(action="terminate").exists()

    def test_before_any_payment_cancels_everything_and_owes_nothing(self, world):
        project = world.advance(world.draft(), State.CONTRACTED)
        services.terminate_project(actor=world.officer, project_id=project.pk, reason="协议解除")
        assert states(project) == [TrancheState.CANCELLED] * 3
        assert not Clawback.objects.filter(project=project).exists()

    def test_after_a_withheld_tranche_cancels_it_too(self, world):
        project = world.advance(world.draft(), State.MIDTERM_REVIEW)
        services.record_evaluation(actor=world.evaluator, project_id=project.pk, kind="midterm",
                                   scores=MIDTERM_FAIL, comment="财务不规范")
        services.terminate_project(actor=world.officer, project_id=project.pk, reason="中期不合格", clawback_amount="1000")
        assert states(project) == [TrancheState.PAID, TrancheState.CANCELLED, TrancheState.CANCELLED]
        assert Clawback.objects.get(project=project).amount == Decimal("1000.00")
