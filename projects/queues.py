"""The work queues of program officers, evaluators and applicants (accounts.queues): counts from
projects.selectors_queues, links to the pages where the work is done. Registered when the app is
ready (projects.apps)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.queues import QueueItem, QueueRow, register
from core.calendar import today
from projects import selectors_queues as q
from projects.next_action import next_action
from projects.states import State

ROWS = 5  # the first few of each item on the home page; its link leads to the whole list


def _list(state: str) -> str:
    return f"{reverse('projects:officer_list')}?state={state}"


def _detail(project) -> str:
    return reverse("projects:officer_detail", args=[project.pk])


def _name(project) -> str:
    return f"{project.code or ''} {project.title}".strip()


def officer_queue(user) -> list[QueueItem]:
    day = today()
    waiting = q.eligibility_waiting(user)
    objections = q.objections_open(user)
    adjustments = q.adjustments_pending(user)
    reports = q.reports_to_review(user, day)
    milestones = q.overdue_milestones(user, day)
    return [
        QueueItem("eligibility", _("Eligibility checks waiting"), waiting.count(), _list(State.SUBMITTED),
                  [QueueRow(_name(p), _detail(p), f"{p.submitted_at:%Y-%m-%d}" if p.submitted_at else "")
                   for p in waiting.select_related("organization")[:ROWS]]),
        QueueItem("objections", _("Objections to check"), objections.count(), _list(State.OBJECTION),
                  [QueueRow(_name(p), _detail(p)) for p in objections[:ROWS]]),
        QueueItem("adjustments", _("Budget adjustment requests"), adjustments.count(),
                  reverse("projects:officer_list"),
                  [QueueRow(_name(a.project), reverse("projects:adjustment", args=[a.pk]), f"{a.requested_at:%Y-%m-%d}")
                   for a in adjustments[:ROWS]]),
        QueueItem("reports", _("Reports to review (last 30 days)"), reports.count(), reverse("projects:officer_list"),
                  [QueueRow(f"{_name(r.project)}：{r.get_kind_display()}", _detail(r.project),
                            f"{r.submitted_at:%Y-%m-%d}") for r in reports[:ROWS]]),
        QueueItem("overdue_milestones", _("Overdue milestones"), milestones.count(), reverse("monitoring:home"),
                  [QueueRow(f"{_name(m.project)}：{m.title}", _detail(m.project), f"{m.due_date:%Y-%m-%d}", urgent=True)
                   for m in milestones[:ROWS]], urgent=True),
    ]


def evaluator_queue(user) -> list[QueueItem]:
    due = q.evaluations_due(user)
    return [QueueItem("evaluations", _("Evaluations due"), due.count(), reverse("monitoring:evaluations"),
                      [QueueRow(_name(p), reverse("monitoring:evaluate", args=[p.pk]), str(p.state_label))
                       for p in due[:ROWS]])]


def applicant_queue(user) -> list[QueueItem]:
    day = today()
    rows, count = [], 0
    for project in q.my_projects(user):
        action = next_action(project, day)
        count += action.actionable
        rows.append(QueueRow(f"《{project.title}》", action.url, action.text, urgent=action.urgent))
    return [QueueItem("next_actions", _("Next step for each project"), count, reverse("applicant:dashboard"), rows,
                      urgent=any(r.urgent for r in rows))]


def connect() -> None:
    register(Role.OFFICER, officer_queue)
    register(Role.EVALUATOR, evaluator_queue)
    register(Role.APPLICANT, applicant_queue)
