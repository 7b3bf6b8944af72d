"""What an evaluation does: tranches released or withheld, completion and grade, termination with a
claw-back, the bar on a failed organization in the next round, and the 优秀 preference marker."""
from datetime import timedelta
from decimal import Decimal

import pytest

from finance.models import Clawback, TrancheState
from projects import services
from projects.eligibility import eligibility_reasons_for
from projects.errors import ProjectError
from projects.models import Project
from projects.states import State
from tests.factories import RoundFactory
from tests.monitoring.conftest import (
    FINAL_EXCELLENT,
    FINAL_FAIL,
    FINAL_GOOD,
    MIDTERM_FAIL,
    MIDTERM_PASS,
    START,
    evaluate,
    final_review,
)

pytestmark = pytest.mark.django_db

BARRED = "因绩效评价不合格"


def _tranches(project) -> dict[str, str]:
    return {t.name: t.state for t in Project.objects.get(pk=project.pk).tranches.all()}


def test_passing_the_midterm_releases_the_second_tranche(world):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    assert _tranches(project)["二期"] == TrancheState.PLANNED
    evaluate(world, project, "midterm", MIDTERM_PASS)
    project.refresh_from_db()
    assert project.state == State.IN_PROGRESS and project.midterm_passed
    assert _tranches(project) == {"首期": TrancheState.PAID, "二期": TrancheState.RELEASABLE, "尾款": TrancheState.PLANNED}


def test_failing_the_midterm_withholds_it_and_the_officer_may_terminate_with_a_clawback(world):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    with pytest.raises(ProjectError) as exc:
        evaluate(world, project, "midterm", MIDTERM_FAIL)
    assert "评估不合格时须填写评估意见" in exc.value.errors
    evaluate(world, project, "midterm", MIDTERM_FAIL, comment="活动未按计划开展")
    project.refresh_from_db()
    assert project.state == State.IN_PROGRESS and not project.midterm_passed
    assert _tranches(project)["二期"] == TrancheState.WITHHELD
    with pytest.raises(ProjectError):
        services.begin_final(actor=world.officer, project_id=project.pk)  # no final before a passed midterm

    services.terminate_project(actor=world.officer, project_id=project.pk, reason="中期评估不合格，终止项目",
                               clawback_amount="10000.00")
    project.refresh_from_db()
    assert project.state == State.TERMINATED
    assert Clawback.objects.get(project=project).amount == Decimal("10000.00")
    assert _tranches(project) == {"首期": TrancheState.PAID, "二期": TrancheState.CANCELLED,
                                  "尾款": TrancheState.CANCELLED}


def test_passing_the_final_completes_with_the_grade_and_releases_the_last_tranche(world):
    project = final_review(world)
    evaluation = evaluate(world, project, "final", FINAL_GOOD)
    assert evaluation.total == Decimal("81.00") and evaluation.grade == "良好"
    project.refresh_from_db()
    assert project.state == State.COMPLETED and project.grade == "良好"
    assert _tranches(project)["尾款"] == TrancheState.RELEASABLE


def test_failing_the_final_terminates_withholds_and_bars_the_organization_next_round(world, clock):
    project = final_review(world)
    evaluate(world, project, "final", FINAL_FAIL, comment="指标完成率不足一半")
    project.refresh_from_db()
    assert project.state == State.TERMINATED and project.grade == "不合格"
    assert _tranches(project)["尾款"] == TrancheState.WITHHELD

    clock.move_to(START + timedelta(days=365))
    next_round = RoundFactory(bar_failed_years=3)
    today = (START + timedelta(days=365)).date()
    reasons = eligibility_reasons_for(world.org, next_round, today=today)
    assert any(BARRED in r for r in reasons)
    other_org, _ = world.new_org()
    assert not any(BARRED in r for r in eligibility_reasons_for(other_org, next_round, today=today))

    # The bar is per round: a round that sets no bar lets the organization apply.
    lenient = RoundFactory(bar_failed_years=0)
    assert not any(BARRED in r for r in eligibility_reasons_for(world.org, lenient, today=today))
    # … and it ends after the configured period.
    later = (START + timedelta(days=3 * 365 + 2)).date()
    assert not any(BARRED in r for r in eligibility_reasons_for(world.org, next_round, today=later))


def test_the_bar_stops_an_application_in_the_next_round_at_the_eligibility_check(world, clock):
    project = final_review(world)
    evaluate(world, project, "final", FINAL_FAIL, comment="指标完成率不足一半")
    clock.move_to(START + timedelta(days=365))
    world.round = RoundFactory()
    with pytest.raises(ProjectError) as exc:
        world.draft(title="第二年的新项目")  # starting the application already checks eligibility
    assert any(BARRED in e for e in exc.value.errors)


def test_an_evaluation_outside_its_stage_or_by_the_wrong_role_is_refused(world):
    project = final_review(world)
    with pytest.raises(ProjectError):
        evaluate(world, project, "midterm", MIDTERM_PASS)
    for actor in (world.member, world.finance, world.expert.user):
        with pytest.raises(ProjectError):
            evaluate(world, project, "final", FINAL_EXCELLENT, actor=actor)
    assert Project.objects.get(pk=project.pk).state == State.FINAL_REVIEW
