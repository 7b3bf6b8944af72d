"""The dashboard's stored evaluation and indicator cells (issue 18): after any sequence of real service
calls (the lifecycle's steps through signing, the first payment, mid-term and final evaluations,
reports with achieved figures, termination) the cells equal a fresh recompute, and the charts' figures
read from them equal what the old aggregates over the round's evaluations and indicators gave; the
rebuild command's --verify fails on a tampered cell and the rebuild repairs it."""
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from core.errors import DomainError
from projects import dashboard_cells, services
from projects.dashboard_models import EvaluationCell, IndicatorCell
from projects.lifecycle import PROJECT
from projects.models import Evaluation, EvaluationKind, Indicator, Project
from projects.states import State
from projects.views import monitoring_figures as dashboard
from tests.builders import World
from tests.monitoring.conftest import FINAL_EXCELLENT, MIDTERM_FAIL, evaluate, final_review

pytestmark = pytest.mark.django_db(transaction=False)

PATH = [State.DRAFT, State.SUBMITTED, State.UNDER_REVIEW, State.REVIEWED, State.APPROVED, State.PUBLICITY,
        State.CONTRACTED, State.IN_PROGRESS, State.MIDTERM_REVIEW, State.FINAL_REVIEW, State.COMPLETED]


def old_scores(round) -> dict:
    """monitoring_figures.evaluation_scores as it was: grouped over the round's evaluations."""
    scores = {EvaluationKind.MIDTERM: {}, EvaluationKind.FINAL: {}}
    for kind, total, n in (Evaluation.objects.filter(project__round=round).values_list("kind", "total")
                           .annotate(n=Count("pk")).order_by()):
        scores[kind][total] = n
    return scores


def old_indicators(round) -> list[tuple]:
    """monitoring_figures.indicators as it was: grouped over the implemented projects' indicators."""
    rows = (Indicator.objects.filter(project__round=round, project__state__in=PROJECT.group("implemented"))
            .values("name", "unit")
            .annotate(target=Sum("target"), achieved=Coalesce(Sum("achieved"), Value(Decimal("0")),
                                                               output_field=DecimalField()),
                      projects=Count("project", distinct=True))
            .order_by("-projects", "name", "unit"))
    return [(r["name"], r["unit"], r["target"], r["achieved"], r["projects"]) for r in rows]


def assert_cells_are_the_truth(round):
    assert dashboard_cells.drift(round) == (0, 0)
    stored = dashboard.evaluation_scores(round)
    assert {kind: dict(zip(*stored[kind], strict=True)) for kind in stored} == old_scores(round)
    assert [(r.name, r.unit, r.target, r.achieved, r.projects) for r in dashboard.indicators(round)] == old_indicators(round)


def attempt(call, *args, **kwargs):
    try:
        with transaction.atomic():
            return call(*args, **kwargs)
    except (DomainError, AssertionError):
        return None


class CellsMachine(RuleBasedStateMachine):
    @initialize()
    def round_with_three_drafts(self):
        self.world = World()
        self.ids = []
        for i in range(3):
            org, member = self.world.new_org()
            project = self.world.draft(org, member, title=f"项目{i}")
            if i == 0:  # one indicator twice (one project for the count), one of another unit
                services.replace_indicators(actor=member, project_id=project.pk, indicators=[
                    {"name": "服务人次", "unit": "人次", "target": "2000"},
                    {"name": "服务人次", "unit": "人次", "target": "500.5"},
                    {"name": "服务人次", "unit": "户", "target": "30"}])
            self.ids.append(project.pk)

    def _project(self, p: int) -> Project:
        return Project.objects.get(pk=self.ids[p])

    @rule(p=st.integers(0, 2), steps=st.integers(1, 5))
    def forward(self, p, steps):
        project = self._project(p)
        if project.state in PATH and project.state != State.COMPLETED:
            attempt(self.world.advance, project, PATH[min(PATH.index(project.state) + steps, len(PATH) - 1)])

    @rule(p=st.integers(0, 2), value=st.sampled_from(["0", "150", "1999.99"]))
    def report_achieved(self, p, value):
        project = self._project(p)
        achieved = {i.pk: value for i in project.indicators.all()}
        attempt(services.submit_report, actor=self.world.member_for(project), project_id=project.pk, kind="progress",
                narrative="进展", expenditures=[], achieved=achieved)

    @rule(p=st.integers(0, 2))
    def fail_midterm(self, p):
        project = self._project(p)
        if project.state == State.MIDTERM_REVIEW:
            attempt(evaluate, self.world, project, "midterm", MIDTERM_FAIL, comment="进度滞后")

    @rule(p=st.integers(0, 2))
    def terminate(self, p):
        attempt(services.perform_transition, actor=self.world.officer, project_id=self.ids[p], name="terminate",
                comment="严重违约")

    @invariant()
    def the_cells_are_the_truth(self):
        if hasattr(self, "world"):
            assert_cells_are_the_truth(self.world.round)


def test_cells_equal_the_evaluations_and_indicators_after_every_step(clock):
    run_state_machine_as_test(CellsMachine, settings=settings(
        max_examples=8, stateful_step_count=30, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    ))


def test_completed_projects_count_their_indicators_and_evaluations(world):
    done = final_review(world)
    evaluate(world, done, "final", FINAL_EXCELLENT)
    assert_cells_are_the_truth(world.round)
    assert [(r.name, r.projects, r.target) for r in dashboard.indicators(world.round)] == [("服务人次", 1, Decimal("2000.00"))]
    assert dashboard.evaluation_scores(world.round)[EvaluationKind.FINAL] == ([Decimal("95.00")], [1])
    assert dashboard.evaluation_scores(world.round)[EvaluationKind.MIDTERM] == ([Decimal("80.00")], [1])


def test_verify_finds_a_tampered_cell_and_the_rebuild_repairs_it(world, capsys):
    evaluate(world, final_review(world), "final", FINAL_EXCELLENT)
    call_command("rebuild_dashboard_cells", "--verify")
    assert "No drift." in capsys.readouterr().out
    IndicatorCell.objects.filter(round=world.round).update(achieved=F("achieved") + 1)
    with pytest.raises(SystemExit) as exit:
        call_command("rebuild_dashboard_cells", "--verify", "--round", str(world.round.pk))
    assert exit.value.code == 1
    assert "0 drifting evaluation cells, 1 drifting indicator cells" in capsys.readouterr().out
    EvaluationCell.objects.filter(round=world.round).delete()  # a missing cell is drift too
    with pytest.raises(SystemExit):
        call_command("rebuild_dashboard_cells", "--verify")
    assert "2 drifting evaluation cells, 1 drifting indicator cells" in capsys.readouterr().out
    call_command("rebuild_dashboard_cells")
    call_command("rebuild_dashboard_cells", "--verify")
    assert "No drift." in capsys.readouterr().out
    assert_cells_are_the_truth(world.round)
