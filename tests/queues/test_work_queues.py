"""Issue 13: every role's home page is its to-do list, with counts (from the selectors) and links."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.queues import queue_for
from core.calendar import today
from finance import services as finance
from projects import services
from projects.states import State
from reviewers import services as review
from tests.builders import World, budget
from tests.factories import UserFactory
from tests.finance.conftest import signed


def counts(user) -> dict[str, int]:
    return {item.key: item.count for item in queue_for(user)}


def page_counts(client) -> dict[str, int]:
    html = client.get("/").content.decode()
    return {key: int(n) for key, n in re.findall(
        r'data-queue="(\w+)">\s*<h2><a href="[^"]*">[^<]*</a> <span class="badge[^"]*" data-testid="queue-count">(\d+)<', html)}


def test_the_officer_queue(world, client_for):
    empty = counts(world.officer)
    assert empty == {"eligibility": 0, "objections": 0, "adjustments": 0, "reports": 0, "overdue_milestones": 0,
                     "overdue_reviews": 0}
    submitted = [world.advance(world.draft(*world.new_org(), title=f"待审{i}"), State.SUBMITTED) for i in range(2)]
    objection = world.advance(world.draft(*world.new_org(), title="有异议"), State.PUBLICITY)
    services.raise_objection(actor=world.officer, project_id=objection.pk, comment="群众反映")
    running = world.advance(world.draft(*world.new_org(), title="实施中"), State.IN_PROGRESS)
    member = world.member_for(running)
    services.submit_report(actor=member, project_id=running.pk, kind="progress", narrative="进展", expenditures=[])
    services.request_budget_adjustment(actor=member, project_id=running.pk, lines=budget("100000.00", "40000.00"),
                                       reason="活动改线上")
    first = running.milestones.first()
    late = World(review_end=today() - timedelta(days=3))
    reviewing = late.advance(late.draft(), State.UNDER_REVIEW)
    review.assign_expert(actor=late.officer, project=reviewing, expert=late.expert)

    assert counts(world.officer) == {"eligibility": 2, "objections": 1, "adjustments": 1, "reports": 1,
                                     "overdue_milestones": 0, "overdue_reviews": 1}
    # the same figures on the page, with links to the work
    client = client_for(world.officer)
    assert page_counts(client) == counts(world.officer)
    html = client.get("/").content.decode()
    for project in submitted:
        assert reverse("projects:officer_detail", args=[project.pk]) in html
    assert f"{reverse('projects:officer_list')}?state=submitted" in html
    assert reverse("reviewers:round", args=[late.round.pk]) in html
    # overdue milestones count from the day after their due date
    tomorrow = first.due_date + timedelta(days=1)
    from projects.selectors_queues import overdue_milestones
    assert overdue_milestones(world.officer, first.due_date).count() == 0
    assert list(overdue_milestones(world.officer, tomorrow)) == [first]
    # another role sees none of it
    assert "eligibility" not in counts(world.finance)


def test_the_expert_queue_lists_reviews_with_deadlines(world, client_for):
    world.round.review_end = today() + timedelta(days=6)
    world.round.save()
    project = world.advance(world.draft(), State.UNDER_REVIEW)
    assignment = review.assign_expert(actor=world.officer, project=project, expert=world.expert)
    [item] = queue_for(world.expert.user)
    assert item.key == "reviews_due" and item.count == 1
    assert item.rows[0].url == reverse("reviewers:review", args=[assignment.pk])
    html = client_for(world.expert.user).get("/").content.decode()
    assert world.round.review_end.isoformat() in html and project.code in html  # title only after declaring
    review.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    review.submit_review(actor=world.expert.user, assignment_id=assignment.pk,
                         scores={"need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"})
    assert counts(world.expert.user) == {"reviews_due": 0}


def test_the_finance_queue(db, client_for):
    world = World()
    preparer, checker = UserFactory(role=Role.FINANCE), UserFactory(role=Role.FINANCE)
    project = signed(world, "65000.00")
    assert counts(world.finance) == {"batches": 0, "payable": 1, "failed": 0}
    batch = finance.create_batch(actor=preparer, round_id=world.round.pk)
    finance.submit_batch(actor=preparer, batch_id=batch.pk)
    assert counts(world.finance) == {"batches": 1, "payable": 0, "failed": 0}
    assert counts(preparer)["batches"] == 0  # the 经办 cannot check their own batch
    finance.check_batch(actor=checker, batch_id=batch.pk)
    assert counts(checker)["batches"] == 0 and counts(world.finance)["batches"] == 1
    limited = UserFactory(role=Role.FINANCE, approval_limit=Decimal("100.00"))
    assert counts(limited)["batches"] == 0  # beyond their approval limit
    finance.approve_batch(actor=world.finance, batch_id=batch.pk, password="pass-12345")
    finance.record_payment_failure(actor=world.finance, tranche_id=project.tranches.get(seq=1).pk, reason="户名不符")
    assert counts(world.finance) == {"batches": 0, "payable": 0, "failed": 1}
    assert page_counts(client_for(world.finance)) == counts(world.finance)


def test_the_evaluator_queue(world, client_for):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    assert counts(world.evaluator) == {"evaluations": 0}
    services.begin_midterm(actor=world.officer, project_id=project.pk)
    assert counts(world.evaluator) == {"evaluations": 1}
    html = client_for(world.evaluator).get("/").content.decode()
    assert reverse("monitoring:evaluate", args=[project.pk]) in html


def test_the_applicant_sees_the_next_step_of_each_project(world, client_for):
    draft = world.draft(title="草稿项目")
    org, member = world.new_org()
    submitted = world.advance(world.draft(org, member, title="已提交项目"), State.SUBMITTED)
    [item] = queue_for(world.member)
    assert item.count == 1
    assert [(r.text, r.note) for r in item.rows] == [("《草稿项目》", "完善申报材料并提交")]
    services.submit_project(actor=world.member, project_id=draft.pk)
    services.return_for_revision(actor=world.officer, project_id=draft.pk, comment="补充")
    [item] = queue_for(world.member)
    assert item.rows[0].note == "按退回意见修改后重新提交" and item.rows[0].urgent
    html = client_for(member).get("/").content.decode()
    assert "已提交，等待资格审查" in html and submitted.title in html


@pytest.mark.parametrize("role", ["officer", "expert", "finance", "evaluator", "applicant"])
def test_every_role_lands_on_its_queue(world, client_for, role):
    user = {"officer": world.officer, "expert": world.expert.user, "finance": world.finance,
            "evaluator": world.evaluator, "applicant": world.member}[role]
    response = client_for(user).get("/")
    assert response.status_code == 200 and 'id="work-queue"' in response.content.decode()


def test_a_cut_amount_asks_the_applicant_to_revise_the_budget_first(world):
    project = world.advance(world.draft(title="核减项目"), State.APPROVED, approved_amount="80000.00")
    [item] = queue_for(world.member)
    [row] = item.rows
    assert row.note == "核定金额低于申请金额，请按核定金额修改预算" and row.urgent
    assert row.url == reverse("applicant:revise_budget", args=[project.pk])
    services.revise_budget_for_approval(actor=world.member, project_id=project.pk,
                                        lines=budget("80000.00", "40000.00"))
    [item] = queue_for(world.member)
    assert item.rows[0].note == "拟资助，等待进入公示" and item.count == 0
