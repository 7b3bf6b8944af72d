"""The project lifecycle is one table (projects.lifecycle): the graph drawn from it is the expected
graph, every row is complete, and the django-fsm methods, the admin's buttons and the actions each
page offers are derived from it rather than written again."""
import ast
import pathlib

import pytest
from django.urls import reverse
from django_fsm import can_proceed

from accounts.models import Role
from core.fsm import Machine, Step, Transition
from projects import lifecycle
from projects.lifecycle import PROJECT
from projects.models import Project
from projects.selectors import EXPERT_SEES_ASSIGNMENTS
from projects.states import MEMBER, State
from reviewers.models import AssignmentState

S = State
# Written out, not derived from projects.lifecycle, so a changed arrow fails here.
EXPECTED_EDGES = [
    (S.DRAFT, "submit", S.SUBMITTED), (S.RETURNED, "submit", S.SUBMITTED),
    (S.DRAFT, "withdraw", S.WITHDRAWN), (S.SUBMITTED, "withdraw", S.WITHDRAWN),
    (S.RETURNED, "withdraw", S.WITHDRAWN), (S.UNDER_REVIEW, "withdraw", S.WITHDRAWN),
    (S.REVIEWED, "withdraw", S.WITHDRAWN), (S.WAITLISTED, "withdraw", S.WITHDRAWN),
    (S.SUBMITTED, "return_for_revision", S.RETURNED),
    (S.SUBMITTED, "mark_ineligible", S.INELIGIBLE),
    (S.SUBMITTED, "accept_for_review", S.UNDER_REVIEW),
    (S.UNDER_REVIEW, "finish_review", S.REVIEWED),
    (S.REVIEWED, "approve", S.APPROVED), (S.WAITLISTED, "approve", S.APPROVED),
    (S.REVIEWED, "waitlist", S.WAITLISTED),
    (S.REVIEWED, "reject", S.REJECTED), (S.WAITLISTED, "reject", S.REJECTED),
    (S.APPROVED, "reopen_decision", S.REVIEWED), (S.WAITLISTED, "reopen_decision", S.REVIEWED),
    (S.REJECTED, "reopen_decision", S.REVIEWED),
    (S.APPROVED, "publish", S.PUBLICITY),
    (S.PUBLICITY, "raise_objection", S.OBJECTION),
    (S.OBJECTION, "dismiss_objection", S.PUBLICITY),
    (S.OBJECTION, "uphold_objection", S.REVIEWED),
    (S.PUBLICITY, "sign", S.CONTRACTED),
    (S.CONTRACTED, "start", S.IN_PROGRESS),
    (S.IN_PROGRESS, "begin_midterm", S.MIDTERM_REVIEW),
    (S.MIDTERM_REVIEW, "pass_midterm", S.IN_PROGRESS),
    (S.MIDTERM_REVIEW, "fail_midterm", S.IN_PROGRESS),
    (S.IN_PROGRESS, "begin_final", S.FINAL_REVIEW),
    (S.FINAL_REVIEW, "complete", S.COMPLETED),
    (S.FINAL_REVIEW, "fail_final", S.TERMINATED),
    (S.CONTRACTED, "terminate", S.TERMINATED), (S.IN_PROGRESS, "terminate", S.TERMINATED),
    (S.MIDTERM_REVIEW, "terminate", S.TERMINATED), (S.FINAL_REVIEW, "terminate", S.TERMINATED),
    (S.TERMINATED, "claw_back", S.TERMINATED),
]
# The outcome of recorded scores, never a button.
FOLLOW_FROM_SCORES = {"pass_midterm", "fail_midterm", "complete", "fail_final"}


def test_the_graph_is_the_expected_graph():
    assert PROJECT.edges() == EXPECTED_EDGES
    dot = PROJECT.to_dot()
    assert dot.startswith("digraph project {\n") and dot.endswith("}\n")
    assert dot.splitlines()[1:-1] == [f'  {s} -> {t} [label="{n}"];' for s, n, t in EXPECTED_EDGES]


def test_every_state_is_reachable_from_a_draft():
    reached, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        state = frontier.pop()
        for t in PROJECT.from_state(state):
            if t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(S.values)


@pytest.mark.parametrize("t", list(PROJECT), ids=lambda t: t.name)
def test_every_row_is_complete(t):
    assert t.label and t.public_label
    assert t.roles and t.roles <= {MEMBER, Role.OFFICER, Role.FINANCE, Role.EVALUATOR}
    for ref, resolved in ((t.guard, PROJECT.guard_of(t)), (t.effect, PROJECT.effect_of(t))):
        assert (ref is None) == (resolved is None)
        assert resolved is None or callable(resolved)
    if t.comment_required and t.manual:
        assert "comment" in t.inputs
    assert t.manual == (t.name not in FOLLOW_FROM_SCORES)


def test_named_groups_hang_together():
    group = PROJECT.group
    assert group("signed") < group("funded")
    assert group("committed") == group("funded") - {S.TERMINATED}
    assert group("unfinished") == group("signed")
    assert group("implemented") == group("signed") | {S.COMPLETED}
    assert group("evaluation_queue") < group("evaluable") <= group("after_signing")
    assert set(PROJECT.get("terminate").source) == group("signed")
    assert set(PROJECT.get("submit").source) == group("editable")
    assert all(members for members in PROJECT.groups.values())


def test_the_expert_visibility_constant_matches_the_reviewers_states():
    assert set(EXPERT_SEES_ASSIGNMENTS) == {AssignmentState.ACCEPTED, AssignmentState.SUBMITTED}


# ---------------------------------------------------------------- derived: django-fsm methods

def test_the_model_methods_are_the_table():
    field = Project._meta.get_field("state")
    collected = {}
    for fsm in field.get_all_transitions(Project):
        collected.setdefault(fsm.name, set()).add((fsm.source, fsm.target))
    assert collected == {t.name: {(s, t.target) for s in t.source} for t in PROJECT}


def test_a_row_added_to_a_machine_becomes_a_method_with_its_roles():
    rows = [Transition("open", "closed", "open", "开", {"opener"})]

    def mixin(extra):
        return Machine(name="door", field="state", states=[("open", "Open"), ("closed", "Closed")],
                       transitions=rows + extra, permission=lambda obj, user, t: user in t.roles).model_mixin()

    without = mixin([])
    assert not hasattr(without, "close")
    with_close = mixin([Transition("close", "open", "closed", "关", {"closer"})])
    meta = with_close.close._django_fsm
    (transition,) = meta.transitions.values()
    assert (transition.source, transition.target, transition.name) == ("open", "closed", "close")
    assert transition.has_perm(None, "closer") and not transition.has_perm(None, "opener")


def test_a_machine_refuses_an_arrow_to_an_unknown_state():
    with pytest.raises(ValueError, match="unknown state"):
        Machine(name="door", field="state", states=[("open", "Open")],
                transitions=[Transition("close", "open", "shut", "关")])


# ---------------------------------------------------------------- derived: pages and admin

@pytest.fixture
def superuser_admin(world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    return world.admin


def _buttons(body: str, attribute: str) -> set[str]:
    marker = f'{attribute}="'
    return {chunk.split('"', 1)[0] for chunk in body.split(marker)[1:]}


@pytest.mark.django_db
def test_admin_buttons_are_the_table_rows_the_user_may_pull(world, client, superuser_admin):
    project = world.advance(world.draft(), S.SUBMITTED)
    client.force_login(superuser_admin)
    body = client.get(reverse("admin:projects_project_change", args=[project.pk])).content.decode()
    expected = {t.name for t in PROJECT.from_state(S.SUBMITTED) if Role.OFFICER in t.roles}
    assert _buttons(body, "data-transition") == expected == {"return_for_revision", "mark_ineligible",
                                                             "accept_for_review"}


@pytest.mark.django_db
def test_the_officer_page_offers_what_the_machine_offers(world, client):
    project = world.advance(world.draft(), S.REVIEWED)
    client.force_login(world.officer)
    body = client.get(reverse("projects:officer_detail", args=[project.pk])).content.decode()
    assert _buttons(body, "data-action") == {t.name for t in lifecycle.offered(project, world.officer)} == {
        "approve", "waitlist", "reject"}
    client.force_login(world.finance)  # finance sees signed projects only
    assert client.get(reverse("projects:officer_detail", args=[project.pk])).status_code == 404


@pytest.mark.django_db
def test_the_applicant_status_page_offers_withdrawal_only_where_the_table_allows_it(world, client):
    project = world.advance(world.draft(), S.REVIEWED)
    client.force_login(world.member)
    url = reverse("applicant:project", args=[project.pk])
    assert reverse("applicant:withdraw", args=[project.pk]) in client.get(url).content.decode()
    project = world.advance(project, S.APPROVED)
    assert reverse("applicant:withdraw", args=[project.pk]) not in client.get(url).content.decode()


@pytest.mark.django_db
def test_timeline_labels_come_from_the_table(world, client):
    project = world.advance(world.draft(), S.UNDER_REVIEW)
    event = project.events.get(action="accept_for_review")
    assert event.action_label == PROJECT.get("accept_for_review").label
    assert event.applicant_label == PROJECT.get("accept_for_review").applicant_label
    client.force_login(world.member)
    body = client.get(reverse("applicant:project", args=[project.pk])).content.decode()
    assert PROJECT.get("accept_for_review").applicant_label in body


# ---------------------------------------------------------------- the evaluation page follows the table

@pytest.mark.django_db
def test_without_a_midterm_tranche_the_evaluation_page_offers_the_final_evaluation():
    from tests.builders import World

    world = World(tranche_template=[
        {"name": "首期", "percent": "60", "trigger": "signing"},
        {"name": "尾款", "percent": "40", "trigger": "final_passed"},
    ])
    project = world.advance(world.draft(), S.IN_PROGRESS)
    world.final_report(project)
    from django.test import Client

    client = Client()
    client.force_login(world.evaluator)
    body = client.get(reverse("monitoring:evaluate", args=[project.pk])).content.decode()
    assert 'data-testid="begin-final"' in body
    client.post(reverse("monitoring:begin", args=[project.pk, "final"]))
    assert Project.objects.get(pk=project.pk).state == S.FINAL_REVIEW


@pytest.mark.django_db
def test_with_a_midterm_tranche_the_final_evaluation_waits_for_a_passed_midterm(world, client):
    project = world.advance(world.draft(), S.IN_PROGRESS)
    client.force_login(world.evaluator)
    body = client.get(reverse("monitoring:evaluate", args=[project.pk])).content.decode()
    assert 'data-testid="begin-midterm"' in body and 'data-testid="begin-final"' not in body
    project = world.advance(world.advance(project, S.MIDTERM_REVIEW), S.IN_PROGRESS)
    world.final_report(project)
    body = client.get(reverse("monitoring:evaluate", args=[project.pk])).content.decode()
    assert 'data-testid="begin-final"' in body and 'data-testid="begin-midterm"' not in body


# ---------------------------------------------------------------- projects stays below finance and reviewers

LIFECYCLE_MODULES = ["lifecycle", "states", "permissions", "models", "guards", "effects", "signals", "selectors",
                     "selectors_monitoring", "eligibility", "budget", "notifications", "services/transitions",
                     "services/audit"]


@pytest.mark.parametrize("module", LIFECYCLE_MODULES)
def test_the_lifecycle_imports_neither_finance_nor_reviewers(module):
    path = pathlib.Path(__file__).resolve().parents[2] / "projects" / f"{module}.py"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            assert not any(n.split(".")[0] in {"finance", "reviewers"} for n in names), (module, names)


def test_a_guard_named_in_the_table_gets_the_step():
    seen = []
    machine = Machine(name="door", field="state", states=[("open", "Open"), ("closed", "Closed")],
                      transitions=[Transition("close", "open", "closed", "关", guard=lambda obj, step: seen.append(
                          step.get("why")) or [])])
    step = Step(obj=None, transition=machine.get("close"), params={"why": "风大"})
    assert machine.problems(None, step) == [] and seen == ["风大"]


@pytest.mark.django_db
def test_can_proceed_follows_the_table(world):
    project = world.advance(world.draft(), S.PUBLICITY)
    assert {t.name for t in PROJECT.from_state(S.PUBLICITY)} == {
        name for name in PROJECT.names if can_proceed(getattr(project, name))}
