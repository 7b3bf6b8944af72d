"""Tells an organization's members about changes to their project, and the program officers about
work that arrives for them (a submission or resubmission, a report, an adjustment request, an
objection): in-app, and by e-mail after commit.

Runs from transaction.on_commit (see run_transition), outside the transaction that made the change,
so a notification never describes a change that was rolled back. The change is already committed
when this runs: a failure here is logged and never reaches the page of the person who acted.
"""
import logging
from decimal import Decimal, InvalidOperation

from django.urls import reverse

from accounts.models import NotificationKind, Role, User
from accounts.services import notify
from core.mail import header_safe
from core.money import format_yuan
from projects.lifecycle import PROJECT
from projects.models import ProjectEvent
from projects.states import State

# Audit actions that are not transitions but still concern the organization.
OTHER_ACTIONS = {
    "adjustment_approved": "预算调整申请已批准",
    "adjustment_rejected": "预算调整申请被驳回",
    "report_accepted": "报告已审核通过",
    "report_returned": "报告被退回修改，请按意见修改后重新提交",
}
# Where the organization acts on the news, when not the project's page.
OTHER_PAGES = {"report_accepted": "applicant:reports", "report_returned": "applicant:reports"}


log = logging.getLogger(__name__)


def decision_text(event: ProjectEvent) -> str:
    """The funding decision as the applicant reads it: the amount, the cut and its reason, e.g.
    "核定资助金额 36,000.00 元（申请 42,000.00 元，核减 6,000.00 元）：理由…"."""
    try:
        approved = Decimal(event.data["approved_amount"])
        requested = Decimal(event.data.get("requested_amount") or approved)
    except (KeyError, TypeError, InvalidOperation):
        return event.comment
    text = f"核定资助金额 {format_yuan(approved)} 元"
    if approved < requested:
        text += f"（申请 {format_yuan(requested)} 元，核减 {format_yuan(requested - approved)} 元）"
    if event.comment:
        text += f"：{event.comment}"
    return text


def notify_transition(event_id: int) -> int:
    """Notifies the members (except whoever made the change) about one audit event; returns how many."""
    try:
        return _notify_transition(event_id)
    except Exception:
        log.exception("notifying about project event %s failed", event_id)
        return 0


def _notify_transition(event_id: int) -> int:
    event = ProjectEvent.objects.select_related("project__organization", "actor").filter(pk=event_id).first()
    if event is None:
        return 0
    return _notify_members(event) + _notify_officers(event) + _notify_evaluators(event)


# Transitions whose outcome is the funding decision: the applicant reads amount and reason.
DECISIONS = {"approve", "waitlist", "reject"}


def _notify_members(event: ProjectEvent) -> int:
    if event.action in PROJECT:
        what = PROJECT.get(event.action).public_label
    elif event.action in OTHER_ACTIONS:
        what = OTHER_ACTIONS[event.action]
    else:
        return 0
    project = event.project
    text = f"《{project.title}》：{what}"
    if event.action == "approve":
        text += f"。{decision_text(event)}"
    elif event.comment:
        text += f"。{'理由' if event.action in DECISIONS else '说明'}：{event.comment}"
    rows = notify(
        actor=event.actor, recipients=project.organization.members.all(), project=project, text=text,
        url=reverse(OTHER_PAGES.get(event.action, "applicant:project"), args=[project.pk]), email_subject=header_safe(f"益创：《{project.title}》{what}"),
        key=f"event:{event.pk}",  # running twice for one event notifies nobody twice
        kind=NotificationKind.DECISION if event.action in DECISIONS else NotificationKind.PROJECT_UPDATE,
    )
    return len(rows)


def _officer_message(event: ProjectEvent) -> tuple[str, str, str] | None:
    """(kind, text, link) of what the program officers are told about `event`, or None."""
    project = event.project
    name = f"《{project.title}》（{project.organization.name}）"
    page = reverse("projects:officer_detail", args=[project.pk])
    if event.action == "submit" and event.from_state == State.RETURNED:
        return NotificationKind.RESUBMISSION, f"{name}补正后重新提交（第 {project.version} 版），待资格审查", page
    if event.action == "submit":
        return NotificationKind.SUBMISSION, f"新申报：{name}已提交，待资格审查", page
    if event.action == "raise_objection":
        return NotificationKind.OBJECTION, f"{name}公示期收到异议，待核查：{event.comment}", page
    if event.action == "report":
        return NotificationKind.REPORT_SUBMITTED, f"{name}提交了{event.comment or '报告'}，待审阅", page
    if event.action == "adjustment_requested":
        adjustment = event.data.get("adjustment")
        link = reverse("projects:adjustment", args=[adjustment]) if adjustment else page
        return NotificationKind.ADJUSTMENT_REQUESTED, f"{name}申请预算调整，待审核。理由：{event.comment}", link
    return None


def _notify_evaluators(event: ProjectEvent) -> int:
    """An evaluation that has begun waits for the evaluators' scores."""
    if event.action not in ("begin_midterm", "begin_final"):
        return 0
    project = event.project
    what = "中期评估" if event.action == "begin_midterm" else "结项评估"
    text = f"《{project.title}》（{project.organization.name}）{what}已开始，待评分"
    evaluators = User.objects.filter(role=Role.EVALUATOR, is_active=True)
    rows = notify(actor=event.actor, recipients=evaluators, project=project, text=text,
                  url=reverse("monitoring:evaluate", args=[project.pk]), email_subject=header_safe(f"益创：{text[:60]}"),
                  key=f"event:{event.pk}:evaluator", kind=NotificationKind.EVALUATION_DUE)
    return len(rows)


def _notify_officers(event: ProjectEvent) -> int:
    message = _officer_message(event)
    if message is None:
        return 0
    kind, text, url = message
    officers = User.objects.filter(role=Role.OFFICER, is_active=True)
    rows = notify(actor=event.actor, recipients=officers, project=event.project, text=text, url=url,
                  email_subject=header_safe(f"益创：{text[:60]}"), key=f"event:{event.pk}:officer", kind=kind)
    return len(rows)
