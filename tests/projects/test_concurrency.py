"""Two people pulling the same lever at the same moment: the row lock lets exactly one through."""
import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, transaction

from finance.commitments import committed_total
from projects import guards, services
from projects.errors import ProjectError
from projects.models import Project, ProjectEvent
from projects.states import State
from tests.builders import World
from tests.races import race, slowed

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SELECT ... FOR UPDATE row locks between concurrent connections"),
    pytest.mark.django_db(transaction=True),
]


def split(outcomes):
    won = [o for o in outcomes if isinstance(o, Project)]
    lost = [o for o in outcomes if not isinstance(o, Project)]
    return won, lost


def test_two_officers_approving_the_same_project_at_once():
    world = World()
    project = world.advance(world.draft(), State.REVIEWED)
    approve = lambda: services.approve_project(  # noqa: E731
        actor=world.officer, project_id=project.pk, approved_amount="100000.00")
    with mock.patch.object(guards, "decision", slowed(guards.decision, 0.3)):
        outcomes = race([approve, approve], join_timeout=30)
    won, lost = split(outcomes)
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert type(lost[0]) is ProjectError
    assert lost[0].message == f"项目当前状态为「{State.APPROVED.label}」，不能执行「拟资助」"
    assert Project.objects.get(pk=project.pk).state == State.APPROVED
    assert ProjectEvent.objects.filter(project=project, action="approve").count() == 1


def test_an_applicant_double_clicking_submit():
    world = World()
    project = world.draft()
    submit = lambda: services.submit_project(actor=world.member, project_id=project.pk)  # noqa: E731
    with mock.patch.object(guards, "submission", slowed(guards.submission, 0.3)):
        outcomes = race([submit, submit], join_timeout=30)
    won, lost = split(outcomes)
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert type(lost[0]) is ProjectError
    assert lost[0].message == f"项目当前状态为「{State.SUBMITTED.label}」，不能执行「提交申报」"
    project = Project.objects.get(pk=project.pk)
    assert (project.state, project.version) == (State.SUBMITTED, 1)
    assert ProjectEvent.objects.filter(project=project, action="submit").count() == 1


def test_two_approvals_racing_for_the_last_of_the_pot():
    """Different projects, one round: the transition's lock covers the round row too, so the second
    approval computes the pot after the first has committed."""
    world = World(pot=Decimal("150000.00"), max_amount=Decimal("100000.00"))
    first = world.advance(world.draft(), State.REVIEWED)
    org, member = world.new_org()
    second = world.advance(world.draft(org, member), State.REVIEWED)
    approvals = [
        # With a reason: funding out of rank order needs one (issue 12), and the race is about the pot.
        lambda pk=p.pk: services.approve_project(actor=world.officer, project_id=pk, approved_amount="100000.00",
                                                 comment="按评审排名和资金池余额资助")
        for p in (first, second)
    ]
    with mock.patch.object(guards, "decision", slowed(guards.decision, 0.3)):
        outcomes = race(approvals, join_timeout=30)
    won, lost = split(outcomes)
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert type(lost[0]) is ProjectError and lost[0].message.startswith("资金池不足")
    assert committed_total(world.round) == Decimal("100000.00")
    assert ProjectEvent.objects.filter(project__round=world.round, action="approve").count() == 1


def test_drafts_of_one_round_save_without_waiting_for_each_other():
    """Deadline day: a draft save locks its project, not the round, so thousands of applicants of one
    round do not queue behind each other (a transition still locks the round: the test above)."""
    world = World()
    first = world.draft()
    org, member = world.new_org()
    second = world.draft(org, member)
    held, release = threading.Event(), threading.Event()

    def hold_first():
        try:
            with transaction.atomic():
                services.update_project(actor=world.member, project_id=first.pk, team="社工4名")
                held.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_first)
    thread.start()
    try:
        assert held.wait(timeout=20)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")  # waiting on the round lock fails here
            saved, written = services.save_draft(actor=member, project_id=second.pk, version=None,
                                                 fields={"team": "专职社工2名"}, rows={})
    finally:
        release.set()
        thread.join(timeout=30)
    assert written == {"team"} and Project.objects.get(pk=second.pk).team == "专职社工2名"
    assert Project.objects.get(pk=first.pk).team == "社工4名"
