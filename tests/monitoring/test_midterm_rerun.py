"""A failed mid-term re-run and passed (issue 12, finding 5): the withheld 二期 becomes payable, and
the bar on later rounds follows how the project ended, not the failure on the way."""
from datetime import timedelta

import pytest

from finance import selectors
from finance.ledger import reconciliation_problems
from finance.models import TrancheState
from projects import services
from projects.eligibility import eligibility_reasons_for
from projects.models import Project
from projects.states import State
from tests.factories import RoundFactory
from tests.monitoring.conftest import FINAL_FAIL, MIDTERM_FAIL, MIDTERM_PASS, START, evaluate

pytestmark = pytest.mark.django_db
BARRED = "因绩效评价不合格"


def _second(project):
    return Project.objects.get(pk=project.pk).tranches.get(name="二期").state


def _failed_then_passed(world):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    evaluate(world, project, "midterm", MIDTERM_FAIL, comment="活动未按计划开展")
    assert _second(project) == TrancheState.WITHHELD
    services.begin_midterm(actor=world.officer, project_id=project.pk)
    evaluate(world, project, "midterm", MIDTERM_PASS)
    return Project.objects.get(pk=project.pk)


def test_a_rerun_midterm_that_passes_releases_what_the_failure_withheld(world):
    project = _failed_then_passed(world)
    assert project.midterm_passed and _second(project) == TrancheState.RELEASABLE
    assert reconciliation_problems(selectors.round_totals(world.round),
                                   selectors.tranche_state_sums(world.round)) == []


def _next_round():
    return RoundFactory(apply_start=START.date() + timedelta(days=200), apply_end=START.date() + timedelta(days=230))


def test_a_midterm_failed_then_passed_does_not_bar_the_organization(world):
    project = _failed_then_passed(world)
    world.advance(project, State.COMPLETED)
    later = _next_round()
    reasons = eligibility_reasons_for(world.org, later, today=later.apply_start)
    assert not [r for r in reasons if BARRED in r]


def test_a_failed_final_evaluation_bars_for_the_rounds_years(world):
    project = world.advance(world.draft(), State.FINAL_REVIEW)
    evaluate(world, project, "final", FINAL_FAIL, comment="指标大部分未完成")
    later = _next_round()
    assert [r for r in eligibility_reasons_for(world.org, later, today=later.apply_start) if BARRED in r]
    later.bar_failed_years = 0
    later.save()
    assert not [r for r in eligibility_reasons_for(world.org, later, today=later.apply_start) if BARRED in r]


def test_termination_bars_too(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    services.terminate_project(actor=world.officer, project_id=project.pk, reason="机构停止运营")
    later = _next_round()
    assert [r for r in eligibility_reasons_for(world.org, later, today=later.apply_start) if BARRED in r]
