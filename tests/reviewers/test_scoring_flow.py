from decimal import Decimal

import pytest

from projects.models import Project
from projects.states import State
from reviewers import services
from reviewers.errors import ReviewError
from reviewers.models import Assignment, AssignmentState, ExpertRelation, RelationKind
from tests.reviewers.conftest import scores

A = AssignmentState


@pytest.fixture
def assigned(world, under_review):
    project = under_review(1)[0]
    assignment = services.assign_expert(actor=world.officer, project=project, expert=world.expert)
    return project, assignment


def test_declare_draft_submit_locks_and_finishes_review(world, assigned):
    project, a = assigned
    expert = world.expert.user
    services.declare(actor=expert, assignment_id=a.pk, has_conflict=False)
    services.save_draft(actor=expert, assignment_id=a.pk, scores={"need": "15.5", "design": ""},
                        criterion_comments={"need": "需求调研扎实", "bogus": "x"})
    a = Assignment.objects.get(pk=a.pk)
    assert a.state == A.ACCEPTED
    assert a.scores == {"need": "15.5"}
    assert a.criterion_comments == {"need": "需求调研扎实"}
    assert a.total == Decimal("15.50")
    assert a.draft_saved_at is not None

    services.submit_review(actor=expert, assignment_id=a.pk, scores=scores(), comment="")
    a = Assignment.objects.get(pk=a.pk)
    assert a.state == A.SUBMITTED and a.total == Decimal("83.50")
    assert Project.objects.get(pk=project.pk).state == State.REVIEWED
    with pytest.raises(ReviewError, match="已提交的评分不能修改"):
        services.save_draft(actor=expert, assignment_id=a.pk, scores=scores(need="1"))
    with pytest.raises(ReviewError, match="已提交的评分不能修改"):
        services.submit_review(actor=expert, assignment_id=a.pk, scores=scores(need="1"))


def test_scores_before_declaration_are_refused(world, assigned):
    _, a = assigned
    with pytest.raises(ReviewError, match="请先声明无利益冲突"):
        services.save_draft(actor=world.expert.user, assignment_id=a.pk, scores={"need": "10"})


@pytest.mark.parametrize("value, message", [
    ("20.5", "须在 0 至 20 之间"), ("-1", "须在 0 至 20 之间"), ("10.25", "0.5 分为单位"), ("abc", "不是有效数字"),
])
def test_draft_rejects_invalid_values(world, assigned, value, message):
    _, a = assigned
    services.declare(actor=world.expert.user, assignment_id=a.pk, has_conflict=False)
    with pytest.raises(ReviewError, match=message):
        services.save_draft(actor=world.expert.user, assignment_id=a.pk, scores={"need": value})


def test_overall_comment_required_below_threshold(world, assigned):
    _, a = assigned
    expert = world.expert.user
    services.declare(actor=expert, assignment_id=a.pk, has_conflict=False)
    low = {"need": "10", "design": "10", "team": "10", "budget": "10", "impact": "19.5"}  # 59.5 < 60
    with pytest.raises(ReviewError, match="59.50 分低于 60.00 分，须填写总体评价意见"):
        services.submit_review(actor=expert, assignment_id=a.pk, scores=low)
    with pytest.raises(ReviewError, match="请为「团队能力」打分"):
        services.submit_review(actor=expert, assignment_id=a.pk, scores={**low, "team": ""}, comment="x")
    services.submit_review(actor=expert, assignment_id=a.pk, scores=low, comment="需求分析不足")
    assert Assignment.objects.get(pk=a.pk).total == Decimal("59.50")


def test_exactly_at_threshold_needs_no_comment(world, assigned):
    _, a = assigned
    services.declare(actor=world.expert.user, assignment_id=a.pk, has_conflict=False)
    at = {"need": "10", "design": "10", "team": "10", "budget": "10", "impact": "20"}
    services.submit_review(actor=world.expert.user, assignment_id=a.pk, scores=at)
    assert Assignment.objects.get(pk=a.pk).state == A.SUBMITTED


def test_declared_conflict_recuses_records_relation_and_reassigns(world, assigned, experts):
    project, a = assigned
    spare = experts(1)[0]
    with pytest.raises(ReviewError, match="请简要说明关系"):
        services.declare(actor=world.expert.user, assignment_id=a.pk, has_conflict=True)
    services.declare(actor=world.expert.user, assignment_id=a.pk, has_conflict=True, note="曾任该机构理事")
    assert Assignment.objects.get(pk=a.pk).state == A.RECUSED
    relation = ExpertRelation.objects.get(expert=world.expert, organization=project.organization)
    assert relation.kind == RelationKind.DECLARED
    replacement = Assignment.objects.exclude(pk=a.pk).get(project=project)
    assert replacement.expert == spare and replacement.state == A.ASSIGNED
    assert project.events.filter(action="expert_recused").exists()
    with pytest.raises(ReviewError, match="已经作出过利益冲突声明"):
        services.declare(actor=world.expert.user, assignment_id=a.pk, has_conflict=False)


def test_recusal_without_spare_expert_is_logged_for_the_officer(world, assigned):
    project, a = assigned
    services.declare(actor=world.expert.user, assignment_id=a.pk, has_conflict=True, note="亲属在该机构工作")
    assert Assignment.objects.filter(project=project).count() == 1
    assert project.events.filter(action="replacement_missing").exists()


def test_another_expert_cannot_act_on_the_assignment(world, assigned, experts):
    _, a = assigned
    other = experts(1)[0]
    for call in (
        lambda: services.declare(actor=other.user, assignment_id=a.pk, has_conflict=False),
        lambda: services.save_draft(actor=other.user, assignment_id=a.pk, scores={}),
        lambda: services.submit_review(actor=other.user, assignment_id=a.pk, scores=scores()),
    ):
        with pytest.raises(ReviewError, match="不是分配给您的评审任务"):
            call()


def test_only_an_officer_reopens_with_an_audited_reason(world, assigned):
    project, a = assigned
    expert = world.expert.user
    services.declare(actor=expert, assignment_id=a.pk, has_conflict=False)
    services.submit_review(actor=expert, assignment_id=a.pk, scores=scores())
    with pytest.raises(ReviewError, match="只有项目管理员"):
        services.reopen_review(actor=expert, assignment_id=a.pk, reason="想改分")
    with pytest.raises(ReviewError, match="须填写理由"):
        services.reopen_review(actor=world.officer, assignment_id=a.pk, reason=" ")
    services.reopen_review(actor=world.officer, assignment_id=a.pk, reason="团队能力评分与意见不符，请复核")
    assert Assignment.objects.get(pk=a.pk).state == A.ACCEPTED
    event = project.events.get(action="review_reopened")
    assert "请复核" in event.comment and event.actor == world.officer and event.data["previous_total"] == "83.50"
    services.submit_review(actor=expert, assignment_id=a.pk, scores=scores(team="10"))
    assert Assignment.objects.get(pk=a.pk).total == Decimal("81.50")


def test_reopen_refused_after_the_decision(world, assigned):
    project, a = assigned
    services.declare(actor=world.expert.user, assignment_id=a.pk, has_conflict=False)
    services.submit_review(actor=world.expert.user, assignment_id=a.pk, scores=scores())
    world.advance(project, State.APPROVED)
    with pytest.raises(ReviewError, match="已作出立项决定"):
        services.reopen_review(actor=world.officer, assignment_id=a.pk, reason="复核")


def test_manual_assignment_respects_conflicts_and_load_and_is_audited(world, under_review, experts):
    from datetime import date

    project = under_review(1)[0]
    busy, conflicted = experts(2)
    services.record_relation(actor=world.officer, expert_id=conflicted.pk, organization_id=project.organization_id,
                             kind="employer", start=date(2020, 1, 1))
    with pytest.raises(ReviewError, match="须回避"):
        services.assign_expert(actor=world.officer, project=project, expert=conflicted)
    world.round.max_load_per_expert = 1
    world.round.save()
    other = under_review(1)[0]
    services.assign_expert(actor=world.officer, project=other, expert=busy)
    with pytest.raises(ReviewError, match="达到上限 1 件"):
        services.assign_expert(actor=world.officer, project=project, expert=busy)
    with pytest.raises(ReviewError, match="只有项目管理员"):
        services.assign_expert(actor=world.member, project=project, expert=world.expert)
    a = services.assign_expert(actor=world.officer, project=project, expert=world.expert)
    services.remove_assignment(actor=world.officer, assignment_id=a.pk, reason="专家出差无法按期评审")
    assert not Assignment.objects.filter(pk=a.pk).exists()
    assert project.events.filter(action="assign_expert").exists()
    assert "出差" in project.events.get(action="unassign_expert").comment
