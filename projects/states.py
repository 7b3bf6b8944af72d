"""The project lifecycle: states and the metadata of every transition (who, labels, comment)."""
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Role


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    INELIGIBLE = "ineligible", _("Ineligible")
    UNDER_REVIEW = "under_review", _("Under expert review")
    REVIEWED = "reviewed", _("Review completed")
    APPROVED = "approved", _("Approved for funding")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Not funded")
    PUBLICITY = "publicity", _("In public notice")
    OBJECTION = "objection", _("Objection under review")
    CONTRACTED = "contracted", _("Agreement signed")
    IN_PROGRESS = "in_progress", _("In progress")
    MIDTERM_REVIEW = "midterm_review", _("Mid-term evaluation")
    FINAL_REVIEW = "final_review", _("Final evaluation")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# States in which the applicant may still edit the application.
EDITABLE = {State.DRAFT, State.RETURNED}
# States after the funding decision that count as an awarded project.
FUNDED = {
    State.APPROVED, State.PUBLICITY, State.OBJECTION, State.CONTRACTED, State.IN_PROGRESS,
    State.MIDTERM_REVIEW, State.FINAL_REVIEW, State.COMPLETED, State.TERMINATED,
}
# An organization with a project in one of these states has unfinished business.
UNFINISHED = {State.CONTRACTED, State.IN_PROGRESS, State.MIDTERM_REVIEW, State.FINAL_REVIEW}
# Implementation has begun: the budget may only change through an approved adjustment.
SIGNED = {State.CONTRACTED, State.IN_PROGRESS, State.MIDTERM_REVIEW, State.FINAL_REVIEW}

MEMBER = "member"  # a member of the applying organization, not a staff role


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    label: str
    roles: frozenset[str]
    comment_required: bool = False


def _spec(name: str, label: str, *roles: str, comment: bool = False) -> TransitionSpec:
    return TransitionSpec(name, label, frozenset(roles), comment)


TRANSITIONS: dict[str, TransitionSpec] = {
    t.name: t
    for t in [
        _spec("submit", "提交申报", MEMBER),
        _spec("withdraw", "撤回申报", MEMBER, comment=True),
        _spec("return_for_revision", "退回补正", Role.OFFICER, comment=True),
        _spec("mark_ineligible", "资格审查不合格", Role.OFFICER, comment=True),
        _spec("accept_for_review", "资格审查合格，进入专家评审", Role.OFFICER),
        _spec("finish_review", "评审完成", Role.OFFICER),
        _spec("approve", "拟资助", Role.OFFICER),
        _spec("waitlist", "列为候补", Role.OFFICER),
        _spec("reject", "不予资助", Role.OFFICER),
        _spec("reopen_decision", "撤销立项决定", Role.OFFICER, comment=True),
        _spec("publish", "进入公示", Role.OFFICER),
        _spec("raise_objection", "登记公示异议", Role.OFFICER, comment=True),
        _spec("dismiss_objection", "异议不成立，恢复公示", Role.OFFICER, comment=True),
        _spec("uphold_objection", "异议成立，退回立项决定", Role.OFFICER, comment=True),
        _spec("sign", "签订资助协议", MEMBER, Role.OFFICER),
        _spec("start", "首期拨付到账，开始实施", Role.OFFICER, Role.FINANCE),
        _spec("begin_midterm", "开始中期评估", Role.OFFICER, Role.EVALUATOR),
        _spec("pass_midterm", "中期评估合格", Role.OFFICER, Role.EVALUATOR),
        _spec("fail_midterm", "中期评估不合格", Role.OFFICER, Role.EVALUATOR, comment=True),
        _spec("begin_final", "开始结项评估", Role.OFFICER, Role.EVALUATOR),
        _spec("complete", "结项评估合格，结项", Role.OFFICER, Role.EVALUATOR),
        _spec("fail_final", "结项评估不合格", Role.OFFICER, Role.EVALUATOR, comment=True),
        _spec("terminate", "终止项目", Role.OFFICER, comment=True),
    ]
}
