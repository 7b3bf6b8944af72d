"""What experts are told: a review assigned to them (by hand, by an automatic run, or as the
replacement of a recused colleague), their removal from a panel, a review reopened with the
officer's reason, and the review window extended.

Runs from transaction.on_commit (reviewers.services), outside the transaction that made the change;
a failure here is logged, never shown to the person who acted. Every call is keyed by the event it
reports (accounts.services.notify), so a second call for the same event notifies nobody twice.
"""
from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Count, Min
from django.urls import reverse

from accounts.models import NotificationKind, User
from accounts.services import notify, notify_each
from core.mail import header_safe
from projects.models import ProjectEvent
from reviewers.models import Assignment, AssignmentRun, AssignmentState, Expert
from reviewers.selectors import redacted_title  # experts of a blind round never read the applicant's name

log = logging.getLogger(__name__)


def _safely(what: str, function, *args) -> None:
    try:
        function(*args)
    except Exception:
        log.exception("expert notification (%s) failed", what)


def deadline_text(review_end) -> str:
    return f"，请于{review_end.year}年{review_end.month}月{review_end.day}日前完成评审" if review_end else ""


def _expert_user(expert_id) -> list[User]:
    expert = Expert.objects.select_related("user").filter(pk=expert_id).first()
    return [expert.user] if expert is not None and expert.user is not None else []


def expert_assigned(assignment_id: int, actor_id: int | None = None) -> None:
    _safely("assigned", _expert_assigned, assignment_id, actor_id)


def _expert_assigned(assignment_id: int, actor_id: int | None) -> None:
    a = (Assignment.objects.select_related("project__round", "expert__user")
         .filter(pk=assignment_id).first())
    if a is None or a.expert.user is None or a.state == AssignmentState.RECUSED:
        return
    project = a.project
    text = f"您被分配评审项目《{redacted_title(project)}》（{project.round.name}）{deadline_text(project.round.review_end)}"
    notify(actor=None, recipients=[a.expert.user], project=project, text=text,
           url=reverse("reviewers:review", args=[a.pk]), email_subject=header_safe(f"益创：新的评审任务《{redacted_title(project)}》"),
           key=f"assignment:{a.pk}:assigned", kind=NotificationKind.EXPERT_ASSIGNED)


def run_assigned(run_id: int) -> None:
    _safely("run assigned", _run_assigned, run_id)


def _run_assigned(run_id: int) -> None:
    """One notification per expert for an automatic run, however many proposals it gave them: counted
    in the database (a province-wide run gives 100,000 seats), the one proposal read only for those
    who got a single one."""
    run = AssignmentRun.objects.select_related("round").filter(pk=run_id).first()
    if run is None:
        return
    round = run.round
    counts = list(Assignment.objects.filter(run_id=run_id, expert__user__isnull=False).order_by()
                  .values_list("expert__user_id").annotate(n=Count("id"), first=Min("id")))
    users = User.objects.in_bulk([user_id for user_id, _, _ in counts])
    single = Assignment.objects.select_related("project__round").in_bulk([first for _, n, first in counts if n == 1])
    messages = []
    for user_id, n, first in counts:
        if n == 1:
            text = f"您被分配评审项目《{redacted_title(single[first].project)}》（{round.name}）"
            url = reverse("reviewers:review", args=[first])
        else:
            text = f"您被分配评审 {n} 个项目（{round.name}）"
            url = reverse("reviewers:my_reviews")
        messages.append((users[user_id], text + deadline_text(round.review_end), url))
    # One transaction, one look-up and one INSERT for the lot; the run's row lock makes a second
    # delivery of this notice wait and then find everyone told. The e-mails go after commit.
    with transaction.atomic():
        AssignmentRun.objects.select_for_update().filter(pk=run_id).exists()
        notify_each(actor=None, messages=messages, key=f"run:{run_id}:assigned",
                    email_subject=header_safe(f"益创：新的评审任务（{round.name}）"), kind=NotificationKind.EXPERT_ASSIGNED)


def expert_removed(event_id: int) -> None:
    _safely("removed", _expert_removed, event_id)


def _expert_removed(event_id: int) -> None:
    event = ProjectEvent.objects.select_related("project", "actor").filter(pk=event_id).first()
    if event is None:
        return
    reason = event.comment.split("理由：", 1)[-1] if "理由：" in event.comment else event.comment
    notify(actor=event.actor, recipients=_expert_user(event.data.get("expert")), project=event.project,
           text=f"您已不再评审项目《{redacted_title(event.project)}》，该评审任务已由项目管理员调整。理由：{reason}",
           url=reverse("reviewers:my_reviews"), key=f"event:{event.pk}:expert",
           kind=NotificationKind.EXPERT_REPLACED)


def review_reopened(event_id: int) -> None:
    _safely("reopened", _review_reopened, event_id)


def _review_reopened(event_id: int) -> None:
    event = ProjectEvent.objects.select_related("project__round", "actor").filter(pk=event_id).first()
    if event is None:
        return
    a = Assignment.objects.select_related("expert__user").filter(pk=event.data.get("assignment")).first()
    if a is None or a.expert.user is None:
        return
    reason = event.comment.split("理由：", 1)[-1]
    notify(actor=event.actor, recipients=[a.expert.user], project=event.project,
           text=f"您对《{redacted_title(event.project)}》的评分已被退回，请修改后重新提交。理由：{reason}"
                f"{deadline_text(event.project.round.review_end)}",
           url=reverse("reviewers:review", args=[a.pk]), key=f"event:{event.pk}:expert",
           email_subject=header_safe(f"益创：评分被退回《{redacted_title(event.project)}》"),
           kind=NotificationKind.REVIEW_REOPENED)
