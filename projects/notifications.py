"""Tells an organization's members about changes to their project: in-app, and by email after commit.

Runs from transaction.on_commit (see run_transition), outside the transaction that made the change,
so a notification never describes a change that was rolled back. The change is already committed
when this runs: a failure here is logged and never reaches the page of the person who acted.
"""
import logging
from decimal import Decimal, InvalidOperation

from django.urls import reverse

from accounts.services import notify
from core.mail import header_safe
from core.money import format_yuan
from projects.lifecycle import PROJECT
from projects.models import ProjectEvent

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
        text += f"。说明：{event.comment}"
    rows = notify(
        actor=event.actor, recipients=project.organization.members.all(), project=project, text=text,
        url=reverse(OTHER_PAGES.get(event.action, "applicant:project"), args=[project.pk]), email_subject=header_safe(f"益创：《{project.title}》{what}"),
        key=f"event:{event.pk}",  # running twice for one event notifies nobody twice
    )
    return len(rows)
