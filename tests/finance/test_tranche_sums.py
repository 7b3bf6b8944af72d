"""Tranches created at signing sum exactly to the approved amount, however awkward the amount."""
from decimal import Decimal

import pytest

from finance.models import LedgerEntry, LedgerKind
from tests.builders import World
from tests.finance.conftest import signed

THIRDS = [
    {"name": "首期", "percent": "33.33", "trigger": "signing"},
    {"name": "二期", "percent": "33.33", "trigger": "midterm_passed"},
    {"name": "尾款", "percent": "33.34", "trigger": "final_passed"},
]


@pytest.mark.parametrize("amount, expected", [
    ("10000.01", ["3333.00", "3333.00", "3334.01"]),
    ("10000.03", ["3333.01", "3333.01", "3334.01"]),
    ("99999.99", ["33330.00", "33330.00", "33339.99"]),
    ("12345.67", ["4114.81", "4114.81", "4116.05"]),
])
def test_thirds_sum_to_the_approved_amount(db, amount, expected):
    world = World(tranche_template=THIRDS)
    project = signed(world, amount)
    amounts = [t.amount for t in project.tranches.order_by("seq")]
    assert amounts == [Decimal(e) for e in expected]
    assert sum(amounts) == Decimal(amount) == project.approved_amount


@pytest.mark.parametrize("amount", ["10000.01", "33333.33", "10000.07"])
def test_default_template_and_ledger_record_the_approval(world, amount):
    project = signed(world, amount)
    tranches = list(project.tranches.order_by("seq"))
    assert sum(t.amount for t in tranches) == Decimal(amount)
    assert tranches[0].amount == (Decimal(amount) * Decimal("0.4")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    approved = LedgerEntry.objects.filter(project=project, kind=LedgerKind.APPROVED)
    assert sorted(e.amount for e in approved) == sorted(t.amount for t in tranches)
    assert {e.to_state for e in approved} == {"planned"}
    released = LedgerEntry.objects.get(project=project, kind=LedgerKind.RELEASED)
    assert (released.tranche_id, released.from_state, released.to_state) == (tranches[0].pk, "planned", "releasable")
