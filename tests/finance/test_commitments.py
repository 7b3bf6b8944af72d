"""One money truth (issue 12, finding 4): what a round's decisions hold of its pot, from the ledger,
the same on every page, and a decision that would over-commit the pot refused naming both amounts."""
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.commitments import committed_amount, committed_by, pot_figures, round_money
from finance.ledger import ZERO
from projects import services
from projects.models import Project
from projects.states import State
from tests.builders import World

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_commitment_rule_without_the_database():
    approved = D("100000.00")
    # Before signing the decision holds its amount; after, cancelled tranches and repayments come back.
    assert committed_amount(State.PUBLICITY, approved, paid=ZERO, cancelled=ZERO, repaid=ZERO, signed=False) == approved
    assert committed_amount(State.COMPLETED, approved, paid=D("80000"), cancelled=D("20000"), repaid=ZERO,
                            signed=True) == D("80000")
    # A terminated project holds what it was paid until the claw-back is repaid.
    assert committed_amount(State.TERMINATED, approved, paid=D("40000"), cancelled=D("60000"), repaid=ZERO,
                            signed=True) == D("40000")
    assert committed_amount(State.TERMINATED, approved, paid=D("40000"), cancelled=D("60000"), repaid=D("15000"),
                            signed=True) == D("25000")
    assert committed_amount(State.REJECTED, approved, paid=ZERO, cancelled=ZERO, repaid=ZERO, signed=False) == ZERO


def _issue_scenario():
    """Pot 100,000; A approved 100,000, first tranche 40,000 paid, A terminated without claw-back."""
    world = World(pot=D("100000.00"), max_amount=D("100000.00"))
    a = world.advance(world.draft(), State.IN_PROGRESS)
    services.terminate_project(actor=world.officer, project_id=a.pk, reason="机构停止运营")
    org, member = world.new_org()
    b = world.advance(world.draft(org, member), State.REVIEWED)
    return world, a, b


def test_a_terminated_projects_payment_stays_committed_and_over_committing_is_refused_through_http(client):
    world, a, b = _issue_scenario()
    money = round_money(world.round)
    assert money.projects[a.pk].committed == D("40000.00") and money.left == D("60000.00")

    client.force_login(world.officer)
    response = client.post(reverse("projects:officer_action", args=[b.pk, "approve"]),
                           {"amount": "100000.00", "comment": "评审排名第一"}, follow=True)
    text = response.content.decode()
    assert Project.objects.get(pk=b.pk).state == State.REVIEWED
    assert "资金池不足" in text and "40,000.00" in text and "100,000.00" in text and "140,000.00" in text

    # What is left can still be decided.
    client.post(reverse("projects:officer_action", args=[b.pk, "approve"]),
                {"amount": "60000.00", "comment": "资金池剩余60,000元，核减"})
    assert Project.objects.get(pk=b.pk).state == State.APPROVED
    assert round_money(world.round).left == ZERO


def test_the_batch_decision_form_refuses_over_committing_too(client):
    world, a, b = _issue_scenario()
    client.force_login(world.officer)
    response = client.post(reverse("reviewers:ranking", args=[world.round.pk]), {
        "project": [str(b.pk)], "action": "approve", f"amount_{b.pk}": "100000.00", "comment": "排名第一"},
        follow=True)
    assert Project.objects.get(pk=b.pk).state == State.REVIEWED
    assert "资金池不足" in response.content.decode()


def _left(html: str) -> set[str]:
    return set(re.findall(r'data-testid="money-left">([^<]*)<', html))


def test_every_page_shows_the_same_money_left(client):
    world, a, b = _issue_scenario()
    services.approve_project(actor=world.officer, project_id=b.pk, approved_amount="30000.00", comment="核减")
    expected = "30,000.00"  # 100,000 − 40,000 paid to the terminated A − 30,000 approved for B
    pages = {
        world.officer: [reverse("reviewers:ranking", args=[world.round.pk]),
                        reverse("reviewers:round", args=[world.round.pk]),
                        reverse("monitoring:dashboard", args=[world.round.pk])],
        world.finance: [reverse("finance:home") + f"?round={world.round.pk}"],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            assert _left(client.get(url).content.decode()) == {expected}, url


def test_the_header_figures_equal_the_whole_rounds_money():
    """pot_figures (two aggregate queries, for pages that show only the header) and round_money (every
    project's money) give the same committed and left: an approved project and a terminated one paid
    in part."""
    world, a, b = _issue_scenario()
    services.approve_project(actor=world.officer, project_id=b.pk, approved_amount="30000.00", comment="核减")
    money, figures = round_money(world.round), pot_figures(world.round)
    assert (figures.pot, figures.committed, figures.left) == (money.pot, money.committed, money.left)
    assert figures.committed == money.projects[a.pk].committed + D("30000.00") + sum(
        (p.committed for pk, p in money.projects.items() if pk not in (a.pk, b.pk)), ZERO)


def test_the_groups_figures_sum_each_groups_projects_money():
    """committed_by (the dashboard's funding by domain and district, summed in the database) equals
    Σ round_money's per-project committed over each group's projects."""
    world, a, b = _issue_scenario()
    services.approve_project(actor=world.officer, project_id=b.pk, approved_amount="30000.00", comment="核减")
    Project.objects.filter(pk=b.pk).update(service_district="瓯海区")
    Project.objects.filter(pk=a.pk).update(service_district="鹿城区")
    money = round_money(world.round)
    expected: dict[str, Decimal] = {}
    for project in Project.objects.filter(round=world.round):
        if project.pk in money.projects:
            key = project.service_district or ""
            expected[key] = expected.get(key, ZERO) + money.projects[project.pk].committed
    assert committed_by(Project.objects.filter(round=world.round), "service_district") == expected
    assert expected == {"鹿城区": D("40000.00"), "瓯海区": D("30000.00")}
