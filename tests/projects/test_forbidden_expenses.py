"""Forbidden uses of the grant are the round's setting, checked wherever budget or spending lines come in:
submission, the revision after a cut, adjustments (request and decision) and reported spending."""
import pytest
from django.urls import reverse

from grants.models import GrantRound
from projects import services
from projects.errors import ProjectError
from projects.models import AdjustmentState, BudgetAdjustment, Project, Report
from projects.states import State
from tests.builders import World, budget

pytestmark = pytest.mark.django_db

TRIP = "第2行「出国考察费」属于「因公出国（境）」，不得使用资助资金支付"


def refusal(call) -> list[str]:
    with pytest.raises(ProjectError) as refused:
        call()
    return refused.value.errors


def with_item(lines: list[dict], item: str) -> list[dict]:
    """The builder's budget with its second (activity) line renamed."""
    lines[1] = {**lines[1], "item": item}
    return lines


def test_at_submission_the_seeded_rules_name_the_rule(world):
    project = world.draft()
    services.replace_budget(actor=world.member, project_id=project.pk, lines=with_item(budget(), "出国考察费"))
    assert refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk)) == [TRIP]
    assert Project.objects.get(pk=project.pk).state == State.DRAFT


def test_a_round_edits_its_own_list():
    world = World(forbidden_expenses=[{"rule": "购买礼品", "keywords": ["礼品卡", "购物卡"]}])
    project = world.draft()
    services.replace_budget(actor=world.member, project_id=project.pk, lines=with_item(budget(), "出国考察费"))
    services.submit_project(actor=world.member, project_id=project.pk)  # not forbidden in this round
    org, member = world.new_org()
    gifts = world.draft(org, member)
    services.replace_budget(actor=member, project_id=gifts.pk, lines=with_item(budget(), "节日购物卡"))
    assert refusal(lambda: services.submit_project(actor=member, project_id=gifts.pk)) == [
        "第2行「节日购物卡」属于「购买礼品」，不得使用资助资金支付"
    ]


def test_the_revision_after_a_cut_is_checked(world):
    project = world.advance(world.draft(grant_total="100000.00", labor="30000.00"), State.REVIEWED)
    services.approve_project(actor=world.officer, project_id=project.pk, approved_amount="80000.00",
                             comment="预算偏高，核减")
    project = world.advance(project, State.PUBLICITY)
    problems = refusal(lambda: services.revise_budget_for_approval(
        actor=world.member, project_id=project.pk, lines=with_item(budget("80000.00", "30000.00"), "接待餐费")))
    assert problems == ["按核定资助金额 80,000.00 元：第2行「接待餐费」属于「公务接待」，不得使用资助资金支付"]


def test_an_adjustment_request_and_its_decision_are_checked(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    problems = refusal(lambda: services.request_budget_adjustment(
        actor=world.member, project_id=project.pk, lines=with_item(budget(), "滞纳金"), reason="调整"))
    assert problems == ["按核定资助金额 100,000.00 元：第2行「滞纳金」属于「罚款、滞纳金」，不得使用资助资金支付"]
    # The round forbids a use while a harmless-looking request waits: the decision checks again.
    adjustment = services.request_budget_adjustment(
        actor=world.member, project_id=project.pk, lines=with_item(budget(), "社区盈余物资"), reason="调整")
    GrantRound.objects.filter(pk=world.round.pk).update(
        forbidden_expenses=[{"rule": "物资处置", "keywords": ["盈余物资"]}])
    problems = refusal(lambda: services.decide_budget_adjustment(
        actor=world.officer, adjustment_id=adjustment.pk, approve=True))
    assert problems == ["按核定资助金额 100,000.00 元：第2行「社区盈余物资」属于「物资处置」，不得使用资助资金支付"]
    assert BudgetAdjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PENDING


def test_reported_spending_is_checked_row_by_row_and_cofunded_rows_are_not(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    rows = [
        {"category": "activity", "item": "社区活动物资", "amount": "500.00", "source": "grant"},
        {"category": "other", "item": "归还借款", "amount": "500.00", "source": "grant"},
        {"category": "other", "item": "慰问金（现金）", "amount": "500.00", "source": "cofund"},
    ]
    problems = refusal(lambda: services.submit_report(
        actor=world.member, project_id=project.pk, kind="progress", narrative="本期活动", expenditures=rows))
    assert problems == ["支出第2行「归还借款」属于「偿还债务」，不得使用资助资金支付"]
    assert not Report.objects.filter(project=project).exists()
    services.submit_report(actor=world.member, project_id=project.pk, kind="progress", narrative="本期活动",
                           expenditures=[rows[0], rows[2]])


def test_a_forbidden_spending_row_is_refused_on_the_report_page(world, client):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    labor, activity = project.budget_lines.order_by("position")
    client.force_login(world.member)
    response = client.post(reverse("applicant:reports", args=[project.pk]), {
        "kind": "progress", "narrative": "本期开展活动12场",
        "e_line": [str(activity.pk)], "e_item": ["盈利活动场地费"], "e_amount": ["800.00"],
    })
    assert response.status_code == 200
    assert "支出第1行「盈利活动场地费」属于「营利活动」，不得使用资助资金支付" in response.content.decode()
    assert not Report.objects.filter(project=project).exists()
