"""What waits for someone, as querysets: the counts on the role home pages (accounts.queues) and the
lists they link to come from here, so a count and its list can never disagree."""
from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet

from accounts.models import Role
from projects.lifecycle import PROJECT
from projects.models import AdjustmentState, BudgetAdjustment, Milestone, Project, Report
from projects.selectors import visible_projects
from projects.selectors_monitoring import evaluation_queue
from projects.states import State

# Reports have no review status of their own yet (the report review page will give them one): until
# then the officers' queue shows the reports that arrived in the last month.
RECENT_REPORT_DAYS = 30


def _officer(user) -> bool:
    return user.has_role(Role.OFFICER)


def eligibility_waiting(user) -> QuerySet[Project]:
    """Submitted applications waiting for the eligibility check, oldest first."""
    if not _officer(user):
        return Project.objects.none()
    return Project.objects.filter(state=State.SUBMITTED).order_by("submitted_at", "id")


def objections_open(user) -> QuerySet[Project]:
    if not _officer(user):
        return Project.objects.none()
    return Project.objects.filter(state=State.OBJECTION).order_by("publicity_end", "id")


def adjustments_pending(user) -> QuerySet[BudgetAdjustment]:
    if not _officer(user):
        return BudgetAdjustment.objects.none()
    return (BudgetAdjustment.objects.filter(state=AdjustmentState.PENDING)
            .select_related("project").order_by("requested_at", "id"))


def reports_to_review(user, today: date) -> QuerySet[Report]:
    if not _officer(user):
        return Report.objects.none()
    since = today - timedelta(days=RECENT_REPORT_DAYS)
    return (Report.objects.filter(submitted_at__date__gte=since, project__state__in=PROJECT.group("after_signing"))
            .select_related("project").order_by("-submitted_at", "-id"))


def overdue_milestones(user, today: date) -> QuerySet[Milestone]:
    """Milestones of running projects past their due date and not done, across every round."""
    if not _officer(user):
        return Milestone.objects.none()
    return (Milestone.objects.filter(project__state__in=PROJECT.group("signed"), completed_on__isnull=True,
                                     due_date__lt=today)
            .select_related("project").order_by("due_date", "id"))


def evaluations_due(user) -> QuerySet[Project]:
    """Projects whose mid-term or final evaluation has begun and waits for its scores."""
    return evaluation_queue(user).filter(state__in=(State.MIDTERM_REVIEW, State.FINAL_REVIEW))


def my_projects(user) -> QuerySet[Project]:
    """The applicant's projects still in motion (not finished, withdrawn or refused)."""
    if user.role != Role.APPLICANT:
        return Project.objects.none()
    over = {State.COMPLETED, State.WITHDRAWN, State.INELIGIBLE, State.REJECTED}
    return (visible_projects(user).exclude(state__in=over).select_related("round")
            .prefetch_related("milestones").distinct().order_by("-updated_at", "-id"))
