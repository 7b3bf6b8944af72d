"""No tranche of 0.00 (issue 12, finding 9): an amount whose split would give a 0.00 instalment is
refused at the decision, naming the minimum, and again at signing if the template changed since;
so every project's first tranche can be paid and the project can start."""
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.errors import FinanceError
from finance.models import Tranche
from finance.tranche_minimum import minimum_amount, zero_tranche_problems
from grants.rules.tranches import split_amount
from projects.models import Project
from projects.states import State
from tests.builders import World

D = Decimal
FORTY_FORTY_TWENTY = [{"name": "首期", "percent": "40", "trigger": "signing"},
                      {"name": "中期", "percent": "40", "trigger": "midterm_passed"},
                      {"name": "尾款", "percent": "20", "trigger": "final_passed"}]


@pytest.mark.parametrize("percents", [["40", "40", "20"], ["100"], ["33.33", "33.33", "33.34"], ["99.99", "0.01"],
                                      ["0.01", "99.99"], ["30", "30", "30", "10"]])
def test_the_minimum_is_the_smallest_amount_from_which_no_instalment_is_zero(percents):
    percents = [D(p) for p in percents]
    minimum = minimum_amount(percents)
    for fen in range(int(minimum * 100), int(minimum * 100) + 20000):
        assert all(part > 0 for part in split_amount(D(fen) / 100, percents)), fen
    if minimum > D("0.01"):
        assert any(part == 0 for part in split_amount(minimum - D("0.01"), percents))


def test_the_rule_names_the_zero_instalments_and_the_minimum():
    [problem] = zero_tranche_problems(D("0.01"), FORTY_FORTY_TWENTY)
    assert problem.field == "amount"
    assert problem.message == ("资助金额 0.01 元按本批次分期比例拆分后，首期、中期为 0.00 元，无法拨付；"
                               "按现行分期比例，资助金额至少须为 0.05 元")
    assert zero_tranche_problems(D("0.05"), FORTY_FORTY_TWENTY) == []


@pytest.mark.django_db
def test_the_decision_refuses_an_amount_with_a_zero_tranche_through_http(client):
    world = World(min_amount=D("0.01"), tranche_template=FORTY_FORTY_TWENTY)
    project = world.advance(world.draft(grant_total="0.04", labor="0.02"), State.REVIEWED)
    client.force_login(world.officer)
    response = client.post(reverse("projects:officer_action", args=[project.pk, "approve"]),
                           {"amount": "0.04", "comment": "核减"}, follow=True)
    assert Project.objects.get(pk=project.pk).state == State.REVIEWED
    assert "尾款为 0.00 元，无法拨付" in response.content.decode() and "至少须为 0.05 元" in response.content.decode()


@pytest.mark.django_db
def test_signing_refuses_when_the_template_changed_since_the_decision():
    world = World(min_amount=D("0.01"), tranche_template=[{"name": "一次性拨付", "percent": "100", "trigger": "signing"}])
    project = world.advance(world.draft(grant_total="0.04", labor="0.02"), State.APPROVED, approved_amount="0.04")
    type(world.round).objects.filter(pk=world.round.pk).update(tranche_template=FORTY_FORTY_TWENTY)
    with pytest.raises(FinanceError, match="至少须为 0.05 元"):
        world.advance(Project.objects.get(pk=project.pk), State.CONTRACTED)
    assert not Tranche.objects.filter(project=project).exists()


@pytest.mark.django_db
def test_the_smallest_allowed_grant_starts_once_its_first_tranche_is_paid():
    world = World(min_amount=D("0.01"), tranche_template=FORTY_FORTY_TWENTY)
    project = world.advance(world.draft(grant_total="0.05", labor="0.02"), State.IN_PROGRESS, approved_amount="0.05")
    assert [t.amount for t in project.tranches.order_by("seq")] == [D("0.02"), D("0.02"), D("0.01")]
    assert project.state == State.IN_PROGRESS  # started through the payment of its 0.02 first tranche
    assert project.tranches.get(seq=1).payment.amount == D("0.02")
