"""The applicant's next step on one project, in their words: what to do (with a link) or what they
are waiting for. The home page's queue lists one per project; what signing will check (the budget
against the approved amount, the payee's account) comes from the lifecycle's own guards."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from projects import guards
from projects.states import State


@dataclass(frozen=True)
class NextAction:
    text: str
    url: str
    actionable: bool  # the organization has something to do (counted), not only to wait for
    urgent: bool = False


WAITING = {
    State.SUBMITTED: "已提交，等待资格审查",
    State.UNDER_REVIEW: "专家评审中，等待评审结果",
    State.REVIEWED: "评审完成，等待立项决定",
    State.WAITLISTED: "已列入候补名单，等待资金安排",
    State.APPROVED: "拟资助，等待进入公示",
    State.OBJECTION: "公示期收到异议，正在核查",
    State.CONTRACTED: "协议已签订，等待首期资金到账",
    State.MIDTERM_REVIEW: "中期评估中，等待评估结果",
    State.FINAL_REVIEW: "结项评估中，等待评估结果",
    State.TERMINATED: "项目已终止，请关注应退回的资金",
}


def next_action(project, today: date) -> NextAction:
    page = reverse("applicant:project", args=[project.pk])
    state = project.state
    if state == State.DRAFT:
        return NextAction("完善申报材料并提交", page, True)
    if state == State.RETURNED:
        return NextAction("按退回意见修改后重新提交", page, True, urgent=True)
    if state in (State.APPROVED, State.PUBLICITY):
        # What signing will ask for, said now: the budget against the approved amount, the payee's account.
        if guards.budget_issues_against_approved(project):
            return NextAction("核定金额低于申请金额，请按核定金额修改预算",
                              reverse("applicant:revise_budget", args=[project.pk]), True, urgent=True)
        if guards.payee_bank_problems(project):
            return NextAction("请完善收款账户信息，签订协议前须填写", reverse("applicant:bank_details"), True)
    if state == State.PUBLICITY:
        if project.publicity_end and today <= project.publicity_end:
            return NextAction(f"公示中，{project.publicity_end:%Y-%m-%d} 公示期满后签订资助协议", page, False)
        return NextAction("公示期满，请签订资助协议", reverse("applicant:agreement", args=[project.pk]), True)
    if state == State.IN_PROGRESS:
        overdue = [m for m in project.milestones.all() if m.completed_on is None and m.due_date < today]
        if overdue:
            return NextAction(f"里程碑「{overdue[0].title}」已逾期，请完成并提交成果",
                              reverse("applicant:reports", args=[project.pk]), True, urgent=True)
        upcoming = [m for m in project.milestones.all() if m.completed_on is None]
        if upcoming:
            m = upcoming[0]
            return NextAction(f"下一个里程碑「{m.title}」于 {m.due_date:%Y-%m-%d} 到期",
                              reverse("applicant:reports", args=[project.pk]), True)
        return NextAction("提交进度报告", reverse("applicant:reports", args=[project.pk]), True)
    return NextAction(WAITING.get(state, str(project.state_label)), page, False)
