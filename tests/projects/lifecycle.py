"""Scenarios for every project transition: a project in a valid source state and the service call
that pulls the lever, shared by the transition matrix and the concurrency tests."""
from collections.abc import Callable
from dataclasses import dataclass
from unittest import mock

from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from projects import services
from projects.models import Project
from projects.states import State
from reviewers import services as review
from tests.builders import World, pay_through_batch
from tests.factories import ExpertFactory, UserFactory

ROLES = ["member", "other_member", "officer", "expert", "finance", "evaluator", "admin", "anonymous", "inactive"]

MIDTERM_PASS = {"implementation": 25, "inputs": 15, "finance": 20, "outcomes": 20}  # 80 ≥ 60
MIDTERM_FAIL = {"implementation": 15, "inputs": 10, "finance": 15, "outcomes": 15}  # 55 < 60
FINAL_PASS = {"indicators": 25, "execution": 16, "compliance": 16, "satisfaction": 16, "branding": 8}  # 81 良好
FINAL_FAIL = {"indicators": 15, "execution": 10, "compliance": 10, "satisfaction": 10, "branding": 5}  # 50


def actor_for(world: World, role: str):
    if role == "member":
        return world.member
    if role == "other_member":
        return world.new_org()[1]
    if role == "expert":
        return world.expert.user
    if role == "anonymous":
        return AnonymousUser()
    if role == "inactive":
        return UserFactory(role=Role.OFFICER, is_active=False)
    return getattr(world, role)


@dataclass(frozen=True)
class Scenario:
    source: str
    target: str
    setup: Callable[[World], Project]
    act: Callable[[World, int, object, str], object]
    takes_comment: bool


def at(state: str) -> Callable[[World], Project]:
    return lambda world: world.advance(world.draft(), state)


def objection(world: World) -> Project:
    project = world.advance(world.draft(), State.PUBLICITY)
    return services.raise_objection(actor=world.officer, project_id=project.pk, comment="收到实名举报")


def review_done_manually(world: World) -> Project:
    """One expert submitted, the other recused: the last submission did not finish the review itself."""
    project = world.advance(world.draft(), State.UNDER_REVIEW)
    recusing = ExpertFactory()
    review.assign_expert(actor=world.officer, project=project, expert=recusing)
    scoring = review.assign_expert(actor=world.officer, project=project, expert=world.expert)
    review.declare(actor=world.expert.user, assignment_id=scoring.pk, has_conflict=False)
    review.submit_review(actor=world.expert.user, assignment_id=scoring.pk, scores={
        "need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"})
    recused = project.assignments.get(expert=recusing)
    review.declare(actor=recusing.user, assignment_id=recused.pk, has_conflict=True, note="曾在该机构任职")
    return Project.objects.get(pk=project.pk)


def contracted_and_paid(world: World) -> Project:
    """First tranche paid while the automatic start was not run, so the manual `start` is reachable."""
    project = world.advance(world.draft(), State.CONTRACTED)
    first = project.tranches.order_by("seq").first()
    with mock.patch("projects.services.start_project"):
        pay_through_batch(first.pk, actor=world.finance)
    return Project.objects.get(pk=project.pk)


def midterm_passed(world: World) -> Project:
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    services.record_evaluation(actor=world.evaluator, project_id=project.pk, kind="midterm", scores=MIDTERM_PASS)
    world.final_report(project)  # the final evaluation starts only with the final report in
    return Project.objects.get(pk=project.pk)


def terminated(world: World) -> Project:
    """Terminated without a claw-back, so one can still be recorded."""
    project = world.advance(world.draft(), State.IN_PROGRESS)
    return services.terminate_project(actor=world.officer, project_id=project.pk, reason="机构无法继续履行协议")


def _evaluate(kind: str, scores: dict):
    def act(world, pid, actor, comment):
        return services.record_evaluation(actor=actor, project_id=pid, kind=kind, scores=scores, comment=comment)

    return act


S = State
SCENARIOS: dict[str, Scenario] = {
    "submit": Scenario(
        S.DRAFT, S.SUBMITTED, lambda world: world.draft(),
        lambda w, pid, a, c: services.submit_project(actor=a, project_id=pid), False),
    "withdraw": Scenario(
        S.SUBMITTED, S.WITHDRAWN, at(S.SUBMITTED),
        lambda w, pid, a, c: services.withdraw_project(actor=a, project_id=pid, reason=c), True),
    "return_for_revision": Scenario(
        S.SUBMITTED, S.RETURNED, at(S.SUBMITTED),
        lambda w, pid, a, c: services.return_for_revision(actor=a, project_id=pid, comment=c), True),
    "mark_ineligible": Scenario(
        S.SUBMITTED, S.INELIGIBLE, at(S.SUBMITTED),
        lambda w, pid, a, c: services.mark_ineligible(actor=a, project_id=pid, comment=c), True),
    "accept_for_review": Scenario(
        S.SUBMITTED, S.UNDER_REVIEW, at(S.SUBMITTED),
        lambda w, pid, a, c: services.accept_for_review(actor=a, project_id=pid, comment=c), True),
    "finish_review": Scenario(
        S.UNDER_REVIEW, S.REVIEWED, review_done_manually,
        lambda w, pid, a, c: services.finish_review(actor=a, project_id=pid), False),
    "approve": Scenario(
        S.REVIEWED, S.APPROVED, at(S.REVIEWED),
        lambda w, pid, a, c: services.approve_project(actor=a, project_id=pid, approved_amount="100000.00", comment=c),
        True),
    "waitlist": Scenario(
        S.REVIEWED, S.WAITLISTED, at(S.REVIEWED),
        lambda w, pid, a, c: services.waitlist_project(actor=a, project_id=pid, comment=c), True),
    "reject": Scenario(
        S.REVIEWED, S.REJECTED, at(S.REVIEWED),
        lambda w, pid, a, c: services.reject_project(actor=a, project_id=pid, comment=c), True),
    "reopen_decision": Scenario(
        S.APPROVED, S.REVIEWED, at(S.APPROVED),
        lambda w, pid, a, c: services.reopen_decision(actor=a, project_id=pid, comment=c), True),
    "publish": Scenario(
        S.APPROVED, S.PUBLICITY, at(S.APPROVED),
        lambda w, pid, a, c: services.publish_project(actor=a, project_id=pid), False),
    "raise_objection": Scenario(
        S.PUBLICITY, S.OBJECTION, at(S.PUBLICITY),
        lambda w, pid, a, c: services.raise_objection(actor=a, project_id=pid, comment=c), True),
    "dismiss_objection": Scenario(
        S.OBJECTION, S.PUBLICITY, objection,
        lambda w, pid, a, c: services.dismiss_objection(actor=a, project_id=pid, comment=c), True),
    "uphold_objection": Scenario(
        S.OBJECTION, S.REVIEWED, objection,
        lambda w, pid, a, c: services.uphold_objection(actor=a, project_id=pid, comment=c), True),
    "sign": Scenario(
        S.PUBLICITY, S.CONTRACTED, at(S.PUBLICITY),
        lambda w, pid, a, c: services.sign_agreement(actor=a, project_id=pid, signer_name="李四"), False),
    "start": Scenario(
        S.CONTRACTED, S.IN_PROGRESS, contracted_and_paid,
        lambda w, pid, a, c: services.start_project(actor=a, project_id=pid), False),
    "begin_midterm": Scenario(
        S.IN_PROGRESS, S.MIDTERM_REVIEW, at(S.IN_PROGRESS),
        lambda w, pid, a, c: services.begin_midterm(actor=a, project_id=pid), False),
    "pass_midterm": Scenario(S.MIDTERM_REVIEW, S.IN_PROGRESS, at(S.MIDTERM_REVIEW), _evaluate("midterm", MIDTERM_PASS), True),
    "fail_midterm": Scenario(S.MIDTERM_REVIEW, S.IN_PROGRESS, at(S.MIDTERM_REVIEW), _evaluate("midterm", MIDTERM_FAIL), True),
    "begin_final": Scenario(
        S.IN_PROGRESS, S.FINAL_REVIEW, midterm_passed,
        lambda w, pid, a, c: services.begin_final(actor=a, project_id=pid), False),
    "complete": Scenario(S.FINAL_REVIEW, S.COMPLETED, at(S.FINAL_REVIEW), _evaluate("final", FINAL_PASS), True),
    "fail_final": Scenario(S.FINAL_REVIEW, S.TERMINATED, at(S.FINAL_REVIEW), _evaluate("final", FINAL_FAIL), True),
    "terminate": Scenario(
        S.IN_PROGRESS, S.TERMINATED, at(S.IN_PROGRESS),
        lambda w, pid, a, c: services.terminate_project(actor=a, project_id=pid, reason=c), True),
    "claw_back": Scenario(
        S.TERMINATED, S.TERMINATED, terminated,
        lambda w, pid, a, c: services.claw_back_after_failure(actor=a, project_id=pid, amount="1000.00", reason=c),
        True),
}
