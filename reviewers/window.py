"""The review window (评审期): after the round's `review_end` (the whole of that day, Shanghai time)
experts can no longer save or submit scores, unless a program officer extends the window.

`closed_problem` is the pure rule; `extend_review_window` the officer's service. An extension is a
change of round configuration: it is recorded with before/after, actor and reason in the
configuration audit trail (Django's admin log, which the administrators' audit export reads) and
shown on the round's review-window page; experts with unfinished reviews are told the new date.
"""
from __future__ import annotations

from datetime import date

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse

from accounts.models import NotificationKind, Role, User
from accounts.services import notify
from core.calendar import today
from core.problems import Problem
from grants.models import GrantRound
from reviewers.errors import ReviewError
from reviewers.models import AssignmentState

OPEN_STATES = (AssignmentState.ASSIGNED, AssignmentState.ACCEPTED)
# What marks the admin-log rows of this service among a round's other configuration changes; plain
# text, so the audit export shows before, after and reason as they are.
EXTENSION_PREFIX = "延长评审期："


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def closed_problem(review_end: date | None, on: date) -> Problem | None:
    """The reason scoring is closed on day `on`, or None while the window is open (or has no end)."""
    if review_end is None or on <= review_end:
        return None
    return Problem("review_window_closed",
                   f"评审期已于{_day(review_end)}结束，不能再保存或提交评分；如需延长评审期，请联系项目管理员")


def require_open(round: GrantRound, *, now=None) -> None:
    problem = closed_problem(round.review_end, today(now))
    if problem is not None:
        raise ReviewError(problem.message)


def extend_review_window(*, actor, round_id: int, new_end: date, reason: str) -> GrantRound:
    """Moves the round's review end later (never earlier: a review submitted in time stays in time)."""
    if actor is None or not actor.has_role(Role.OFFICER):
        raise ReviewError("只有项目管理员可以延长评审期")
    reason = (reason or "").strip()
    problems = []
    if not reason:
        problems.append("延长评审期须填写理由")
    if not isinstance(new_end, date):
        problems.append("请填写新的评审截止日期")
    if problems:
        raise ReviewError(problems)
    with transaction.atomic():
        round = GrantRound.objects.select_for_update().filter(pk=round_id).first()
        if round is None:
            raise ReviewError("批次不存在")
        before = round.review_end
        if before is not None and new_end <= before:
            raise ReviewError(f"新的评审截止日期须晚于当前的{_day(before)}")
        if new_end < today():
            raise ReviewError("新的评审截止日期不能早于今天")
        round.review_end = new_end
        round.save(update_fields=["review_end"])
        was = before.isoformat() if before else "未设定"
        LogEntry.objects.log_actions(
            user_id=actor.pk, queryset=[round], action_flag=CHANGE, single_object=True,
            change_message=f"{EXTENSION_PREFIX}评审截止日期 {was} → {new_end.isoformat()}。理由：{reason}",
        )
        transaction.on_commit(lambda: _tell_experts(round.pk, new_end, actor.pk))
    return round


def extensions(round: GrantRound):
    """The window's history, newest first: who moved it, when, from, to and why."""
    return (LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(GrantRound),
                                    object_id=str(round.pk), change_message__startswith=EXTENSION_PREFIX)
            .select_related("user").order_by("-action_time", "-id"))


def _tell_experts(round_id: int, new_end: date, actor_id: int) -> None:
    users = User.objects.filter(expert__assignments__project__round_id=round_id,
                                expert__assignments__state__in=OPEN_STATES).distinct()
    round = GrantRound.objects.get(pk=round_id)
    notify(actor=None, recipients=list(users), text=f"{round.name}的评审期已延长至{_day(new_end)}，请在此之前完成评审",
           url=reverse("reviewers:my_reviews"), key=f"round:{round_id}:review-end:{new_end.isoformat()}",
           kind=NotificationKind.REVIEW_WINDOW_EXTENDED)

