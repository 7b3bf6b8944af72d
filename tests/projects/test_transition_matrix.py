"""Every transition of the project lifecycle, pulled by every kind of user from a valid source state."""
import re

import pytest

from grants.models import Membership
from projects import services
from projects.errors import ProjectError
from projects.lifecycle import TRANSITIONS
from projects.models import Evaluation, Project, ProjectEvent
from projects.states import State
from tests.builders import World, pay_through_batch
from tests.projects.lifecycle import ROLES, SCENARIOS, actor_for

STAFF_OFFICER = {"officer", "admin"}
OFFICER_OR_EVALUATOR = {"officer", "evaluator", "admin"}
# Written out, not derived from projects.lifecycle, so a wrong entry there fails here.
ALLOWED = {
    "submit": {"member"},
    "withdraw": {"member"},
    "return_for_revision": STAFF_OFFICER,
    "mark_ineligible": STAFF_OFFICER,
    "accept_for_review": STAFF_OFFICER,
    "finish_review": STAFF_OFFICER,
    "approve": STAFF_OFFICER,
    "waitlist": STAFF_OFFICER,
    "reject": STAFF_OFFICER,
    "reopen_decision": STAFF_OFFICER,
    "publish": STAFF_OFFICER,
    "raise_objection": STAFF_OFFICER,
    "dismiss_objection": STAFF_OFFICER,
    "uphold_objection": STAFF_OFFICER,
    "sign": {"member", "officer", "admin"},
    "start": {"officer", "finance", "admin"},
    "begin_midterm": OFFICER_OR_EVALUATOR,
    "pass_midterm": OFFICER_OR_EVALUATOR,
    "fail_midterm": OFFICER_OR_EVALUATOR,
    "begin_final": OFFICER_OR_EVALUATOR,
    "complete": OFFICER_OR_EVALUATOR,
    "fail_final": OFFICER_OR_EVALUATOR,
    "terminate": STAFF_OFFICER,
    "claw_back": STAFF_OFFICER,
}
COMMENT_REQUIRED = {
    "withdraw", "return_for_revision", "mark_ineligible", "waitlist", "reject", "reopen_decision", "raise_objection",
    "dismiss_objection", "uphold_objection", "fail_midterm", "fail_final", "terminate", "claw_back",
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
COMMENT = "经核实，按规定办理"

pytestmark = pytest.mark.django_db


def test_every_transition_has_a_scenario_and_an_expected_role_set():
    assert set(SCENARIOS) == set(TRANSITIONS) == set(ALLOWED)
    assert {name for name, spec in TRANSITIONS.items() if spec.comment_required} == COMMENT_REQUIRED


def _cases():
    for name in TRANSITIONS:
        for role in ROLES:
            yield pytest.param(name, role, role in ALLOWED[name], id=f"{name}-{role}")


@pytest.mark.parametrize("name, role, allowed", list(_cases()))
def test_transition_by_role(name, role, allowed):
    world = World()
    scenario = SCENARIOS[name]
    project = scenario.setup(world)
    assert project.state == scenario.source
    actor = actor_for(world, role)
    events_before = ProjectEvent.objects.filter(project=project).count()
    evaluations_before = Evaluation.objects.filter(project=project).count()
    tranches_before = list(project.tranches.values_list("seq", "state"))

    if allowed:
        scenario.act(world, project.pk, actor, COMMENT)
        project = Project.objects.get(pk=project.pk)
        assert project.state == scenario.target
        new_events = list(ProjectEvent.objects.filter(project=project).order_by("id")[events_before:])
        assert len(new_events) == 1
        event = new_events[0]
        assert (event.action, event.actor, event.from_state, event.to_state) == (
            name, actor, scenario.source, scenario.target
        )
        assert event.comment == (COMMENT if scenario.takes_comment else "")
    else:
        with pytest.raises(ProjectError) as refused:
            scenario.act(world, project.pk, actor, COMMENT)
        assert CHINESE.search(refused.value.message)
        assert "权限" in refused.value.message
        project = Project.objects.get(pk=project.pk)
        assert project.state == scenario.source
        assert ProjectEvent.objects.filter(project=project).count() == events_before
        assert Evaluation.objects.filter(project=project).count() == evaluations_before
        assert list(project.tranches.values_list("seq", "state")) == tranches_before


def _wrong_state(name: str) -> str:
    # Draft is a wrong source for everything except the applicant's own two transitions.
    return {"submit": State.SUBMITTED, "withdraw": State.APPROVED}.get(name, State.DRAFT)


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_transition_from_a_wrong_state_names_the_current_state(name):
    world = World()
    wrong = _wrong_state(name)
    project = world.advance(world.draft(), wrong)
    role = sorted(ALLOWED[name])[0]
    events_before = project.events.count()
    with pytest.raises(ProjectError) as refused:
        SCENARIOS[name].act(world, project.pk, actor_for(world, role), COMMENT)
    assert "项目当前状态为" in refused.value.message
    assert f"「{State(wrong).label}」" in refused.value.message
    assert Project.objects.get(pk=project.pk).state == wrong
    assert project.events.count() == events_before


@pytest.mark.parametrize("name", sorted(COMMENT_REQUIRED))
@pytest.mark.parametrize("blank", ["", "   "])
def test_transition_that_needs_a_reason_refuses_a_blank_one(name, blank):
    world = World()
    scenario = SCENARIOS[name]
    project = scenario.setup(world)
    role = next(r for r in sorted(ALLOWED[name]) if r != "admin")
    events_before = project.events.count()
    with pytest.raises(ProjectError) as refused:
        scenario.act(world, project.pk, actor_for(world, role), blank)
    assert "须填写" in refused.value.message
    assert Project.objects.get(pk=project.pk).state == scenario.source
    assert project.events.count() == events_before
    assert not Evaluation.objects.filter(project=project, passed=False).exists()


@pytest.mark.parametrize("name", ["submit", "withdraw"])
def test_admin_who_is_also_a_member_never_acts_as_the_applicant(name):
    world = World()
    scenario = SCENARIOS[name]
    project = scenario.setup(world)
    Membership.objects.create(organization=world.org, user=world.admin)
    with pytest.raises(ProjectError, match="权限"):
        scenario.act(world, project.pk, world.admin, COMMENT)
    assert Project.objects.get(pk=project.pk).state == scenario.source


def test_inactive_member_may_not_submit():
    world = World()
    project = world.draft()
    world.member.is_active = False
    world.member.save()
    with pytest.raises(ProjectError, match="权限"):
        services.submit_project(actor=world.member, project_id=project.pk)
    assert Project.objects.get(pk=project.pk).state == State.DRAFT


def test_first_payment_starts_the_project_on_behalf_of_finance():
    world = World()
    project = world.advance(world.draft(), State.CONTRACTED)
    first = project.tranches.order_by("seq").first()
    pay_through_batch(first.pk, actor=world.finance)
    project = Project.objects.get(pk=project.pk)
    assert project.state == State.IN_PROGRESS
    start = project.events.get(action="start")
    assert (start.actor, start.from_state, start.to_state) == (world.finance, State.CONTRACTED, State.IN_PROGRESS)
    assert "首期" in start.comment


def test_paying_a_later_tranche_does_not_start_anything_again():
    world = World()
    project = world.advance(world.draft(), State.IN_PROGRESS)
    project = world.advance(project, State.MIDTERM_REVIEW)
    project = world.advance(project, State.IN_PROGRESS)
    second = project.tranches.get(seq=2)
    pay_through_batch(second.pk, actor=world.finance)
    assert project.events.filter(action="start").count() == 1
    assert Project.objects.get(pk=project.pk).state == State.IN_PROGRESS


def test_last_expert_submission_finishes_the_review_with_the_expert_recorded():
    world = World()
    project = world.advance(world.draft(), State.REVIEWED)
    event = project.events.get(action="finish_review")
    assert (event.actor, event.from_state, event.to_state) == (world.expert.user, State.UNDER_REVIEW, State.REVIEWED)
