"""Tells an organization's members about changes to their project: in-app, and by email after commit.

Runs from transaction.on_commit (see run_transition), outside the transaction that made the change,
so a notification never describes a change that was rolled back.
"""
from django.urls import reverse

from accounts.services import notify
from projects.lifecycle import PROJECT
from projects.models import ProjectEvent

# Audit actions that are not transitions but still concern the organization.
OTHER_ACTIONS = {
    "adjustment_approved": "预算调整申请已批准",
    "adjustment_rejected": "预算调整申请被驳回",
}


def notify_transition(event_id: int) -> int:
    """Notifies the members (except whoever made the change) about one audit event; returns how many."""
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
    if event.comment:
        text += f"。说明：{event.comment}"
    rows = notify(
        actor=event.actor, recipients=project.organization.members.all(), project=project, text=text,
        url=reverse("applicant:project", args=[project.pk]), email_subject=f"益创：《{project.title}》{what}",
        key=f"event:{event.pk}",  # running twice for one event notifies nobody twice
    )
    return len(rows)
