"""Expert review writes: assignment, conflict declaration, scoring."""
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from projects.evaluation import score_problems, total_of
from projects.states import State
from reviewers.errors import ReviewError
from reviewers.models import Assignment, AssignmentState, Expert


def assign_expert(*, actor, project, expert: Expert) -> Assignment:
    if not actor.has_role(Role.OFFICER):
        raise ReviewError("只有项目管理员可以分配评审专家")
    if project.state != State.UNDER_REVIEW:
        raise ReviewError("只有处于专家评审阶段的项目可以分配专家")
    if expert.relations.filter(organization=project.organization).exists():
        raise ReviewError(f"专家{expert.name}与申报机构存在关联关系，须回避")
    assignment, created = Assignment.objects.get_or_create(project=project, expert=expert)
    if created:
        from projects.services import log_event

        log_event(project=project, actor=actor, action="assign_expert", comment=f"分配评审专家：{expert.name}")
    return assignment


def _own(assignment_id: int, actor) -> Assignment:
    assignment = Assignment.objects.select_for_update().select_related("project__round", "expert").get(pk=assignment_id)
    if assignment.expert.user_id != actor.pk:
        raise ReviewError("这不是分配给您的评审任务")
    return assignment


def declare(*, actor, assignment_id: int, has_conflict: bool, note: str = "") -> Assignment:
    with transaction.atomic():
        a = _own(assignment_id, actor)
        if a.state != AssignmentState.ASSIGNED:
            raise ReviewError("您已经作出过利益冲突声明")
        a.state = AssignmentState.RECUSED if has_conflict else AssignmentState.ACCEPTED
        a.declared_at = timezone.now()
        a.comment = note if has_conflict else a.comment
        a.save()
    return a


def submit_review(*, actor, assignment_id: int, scores: dict, comment: str = "") -> Assignment:
    with transaction.atomic():
        a = _own(assignment_id, actor)
        if a.state != AssignmentState.ACCEPTED:
            raise ReviewError("请先声明无利益冲突；已提交的评分不能修改")
        rubric = a.project.round.rubric
        problems = score_problems(rubric, scores)
        total = None if problems else total_of(rubric, scores)
        if total is not None and total < a.project.round.comment_required_below and not comment.strip():
            problems.append(f"总分低于 {a.project.round.comment_required_below} 分时须填写总体评价意见")
        if problems:
            raise ReviewError(problems)
        a.scores = {k: str(v) for k, v in scores.items()}
        a.total = total
        a.comment = comment.strip()
        a.state = AssignmentState.SUBMITTED
        a.submitted_at = timezone.now()
        a.save()
        project_id = a.project_id
        open_left = Assignment.objects.filter(project_id=project_id).exclude(
            state__in=[AssignmentState.SUBMITTED, AssignmentState.RECUSED]
        ).exists()
        if not open_left:
            from projects.services import finish_review

            finish_review(actor=actor, project_id=project_id, system=True)
    return a
