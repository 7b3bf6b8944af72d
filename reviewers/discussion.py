"""The discussion of a project flagged 分歧较大 (disputed): once an expert has submitted, the panel
(and the officers) post in one thread, see each other's scores and comments when the round says so,
and may revise their own score until the round's discussion window closes. Everything is audited on
the project's trail; each revision also keeps its before/after as a ScoreRevision."""
from __future__ import annotations

from django.db import transaction

from accounts.models import Role
from core.calendar import today
from projects import services as project_services
from projects.evaluation import total_of
from projects.models import Project
from projects.states import State
from reviewers import aggregates, panel_notices, scoring, seat_counts
from reviewers.aggregation import is_disputed
from reviewers.errors import ReviewError
from reviewers.models import Assignment, AssignmentState
from reviewers.panel_models import DiscussionPost, ScoreRevision
from reviewers.panel_selectors import policy_for

A = AssignmentState
OPEN_STATES = (State.UNDER_REVIEW, State.REVIEWED)
BODY_MAX = 2000


def _disputed(project: Project) -> bool:
    totals = [t for t in Assignment.objects.filter(project=project, state=A.SUBMITTED).values_list("total", flat=True)
              if t is not None]
    # Once a discussion has started it stays open even when revisions bring the scores together.
    return is_disputed(totals, project.round.disagreement_threshold) or DiscussionPost.objects.filter(
        project=project).exists() or ScoreRevision.objects.filter(assignment__project=project).exists()


def access(actor, project: Project) -> tuple[bool, str]:
    """(may take part, why not). Officers always; an expert of the panel once they have submitted."""
    if actor is not None and actor.has_role(Role.OFFICER):
        return True, ""
    mine = Assignment.objects.filter(project=project, expert__user=actor).exclude(state=A.RECUSED).first()
    if mine is None:
        return False, "您不在该项目的评审组中"
    if mine.state != A.SUBMITTED:
        return False, "提交评分后才能参加讨论、查看其他专家的评分"
    if not _disputed(project):
        return False, "该项目专家评分分歧未超过本批次阈值，不需要讨论"
    return True, ""


def window_open(project: Project, on=None) -> tuple[bool, str]:
    policy = policy_for(project.round)
    if project.state not in OPEN_STATES:
        return False, f"项目当前状态为「{project.state_label}」，已作出立项决定，讨论已结束"
    if policy.discussion_until is None:
        return False, "本批次未设置讨论期，不能修改已提交的评分"
    if (on or today()) > policy.discussion_until:
        return False, f"讨论期已于 {policy.discussion_until:%Y年%m月%d日} 结束"
    return True, ""


def post(*, actor, project_id: int, body: str) -> DiscussionPost:
    body = (body or "").strip()
    if not body:
        raise ReviewError("请填写讨论内容")
    if len(body) > BODY_MAX:
        raise ReviewError(f"讨论内容不能超过 {BODY_MAX} 字")
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("round").filter(pk=project_id).first()
        if project is None:
            raise ReviewError("项目不存在")
        allowed, why = access(actor, project)
        if not allowed:
            raise ReviewError(why)
        if project.state not in OPEN_STATES:
            raise ReviewError(f"项目当前状态为「{project.state_label}」，讨论已结束")
        if actor.has_role(Role.OFFICER):
            label = "项目管理员"
        else:
            label = Assignment.objects.filter(project=project, expert__user=actor).values_list(
                "expert__name", flat=True).first() or ""
        message = DiscussionPost.objects.create(project=project, author=actor, author_label=label, body=body)
        project_services.log_event(project=project, actor=actor, action="discussion_post",
                                   comment=f"{label}在评审讨论中发言", data={"post": message.pk})
        transaction.on_commit(lambda: panel_notices.discussion_posted(message.pk))
    return message


def revise(*, actor, assignment_id: int, scores: dict, comment: str, reason: str, based_on: int | None = None,
           on=None) -> Assignment:
    """The expert changes their own submitted score during the discussion window, with a reason. The
    sheet passes the same checks as a submission (reviewers.scoring), the total is computed the same
    way (projects.evaluation.total_of). `based_on`: how many revisions the expert's page showed; a page
    left open while another tab revised is refused rather than silently overwriting that revision."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("修改评分须说明理由")
    with transaction.atomic():
        a = (Assignment.objects.select_for_update().select_related("project__round", "expert")
             .filter(pk=assignment_id).first())
        if a is None or a.expert.user_id != getattr(actor, "pk", None):
            raise ReviewError("这不是分配给您的评审任务")
        project = Project.objects.select_for_update().select_related("round").get(pk=a.project_id)
        if a.state != A.SUBMITTED:
            raise ReviewError("只有已提交的评分可以在讨论中修改")
        if based_on is not None and based_on != ScoreRevision.objects.filter(assignment=a).count():
            raise ReviewError(f"您的评分已在其他页面修改为 {a.total} 分，本页显示的不是最新评分；请查看当前评分后再修改")
        allowed, why = access(actor, project)
        if allowed:
            allowed, why = window_open(project, on)
        if not allowed:
            raise ReviewError(why)
        round = project.round
        comment = (comment or "").strip()
        problems = scoring.submit_problems(round.rubric, scores, comment, round.comment_required_below)
        if problems:
            raise ReviewError(problems)
        new_scores = {k: str(v) for k, v in scores.items() if k in {c["code"] for c in round.rubric}}
        new_total = total_of(round.rubric, new_scores)
        if new_scores == a.scores and comment == a.comment:
            raise ReviewError("评分和意见没有变化")
        before_total = a.total if a.total is not None else total_of(round.rubric, a.scores)
        revision = ScoreRevision.objects.create(
            assignment=a, before_scores=a.scores, before_total=before_total, after_scores=new_scores,
            after_total=new_total, reason=reason[:500])
        project_services.log_event(
            project=project, actor=actor, action="review_revised",
            comment=f"评审专家{a.expert.name}在讨论中修改评分：{a.total} → {new_total}。理由：{reason[:200]}",
            data={"assignment": a.pk, "revision": revision.pk, "before": {"scores": a.scores, "total": str(a.total)},
                  "after": {"scores": new_scores, "total": str(new_total)}})
        counted = seat_counts.of(a)
        a.scores, a.total, a.comment = new_scores, new_total, comment
        a.save(update_fields=["scores", "total", "comment"])
        seat_counts.moved(project.round_id, a.expert_id, counted, seat_counts.of(a))
        aggregates.refresh([a.project_id], expert_ids=[a.expert_id])
    return a
