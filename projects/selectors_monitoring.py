"""Reads of the monitoring pages (evaluations, dashboards), fetched and authorized in one step:
Http404 for "missing" and "not yours" alike."""
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Role
from grants.models import GrantRound
from projects.lifecycle import PROJECT
from projects.models import Attachment, Evaluation, EvaluationKind, Expenditure, Indicator, Milestone, Project
from projects.performance import IndicatorFigure, Performance, Spend, performance
from projects.selectors import visible_projects
from projects.states import State

EVALUATING_ROLES = (Role.OFFICER, Role.EVALUATOR)
EXCELLENT = "优秀"


def evaluable_projects(user) -> QuerySet[Project]:
    """Projects an officer or evaluator may evaluate (the evaluator's visibility is projects.selectors')."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(*EVALUATING_ROLES):
        return Project.objects.none()
    return visible_projects(user).filter(state__in=PROJECT.group("evaluable"))


def get_evaluable_project(user, pk: int) -> Project:
    try:
        return evaluable_projects(user).select_related("round", "organization").get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def evaluation_queue(user) -> QuerySet[Project]:
    """The work list: one row per project with the facts the list shows, in a fixed number of queries."""
    return (
        evaluable_projects(user)
        .filter(state__in=PROJECT.group("evaluation_queue"))
        .select_related("round", "organization")
        .annotate(failed_midterm=Exists(
            Evaluation.objects.filter(project=OuterRef("pk"), kind=EvaluationKind.MIDTERM, passed=False)))
        .order_by("round_id", "state", "code")
    )


def rounds_for_officer(user) -> QuerySet[GrantRound]:
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.OFFICER):
        return GrantRound.objects.none()
    return GrantRound.objects.all()


def get_round_for_officer(user, pk: int) -> GrantRound:
    try:
        return rounds_for_officer(user).get(pk=pk)
    except (GrantRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def excellent_elsewhere(round: GrantRound):
    """An Exists() for annotating projects: the organization completed a project graded 优秀 in
    another round that started earlier. Shown as a preference marker; see the report."""
    return Exists(
        Project.objects.filter(
            organization=OuterRef("organization"), state=State.COMPLETED, grade=EXCELLENT,
            round__apply_start__lt=round.apply_start,
        )
    )


def performance_of(project: Project) -> Performance:
    """Three queries: indicators, expenditures, receipt count."""
    indicators = [
        IndicatorFigure(i.name, i.unit, i.target, i.achieved) for i in Indicator.objects.filter(project=project)
    ]
    spending = [
        Spend(category, source, amount)
        for category, source, amount in Expenditure.objects.counted().filter(report__project=project)
        .values_list("category", "source", "amount")
    ]
    receipts = Attachment.objects.filter(project=project, kind="receipt").count()
    return performance(approved=project.approved_amount or 0, indicators=indicators, spending=spending,
                       receipts=receipts)


def overdue_milestones(round: GrantRound, today):
    """The round's overdue milestones in order, as plain ids: a page is cut from these (the sort needs
    only the milestone and its project) before the page's rows are read with overdue_rows."""
    return (
        Milestone.objects.filter(project__round=round, project__state__in=PROJECT.group("signed"), completed_on__isnull=True,
                                 due_date__lt=today)
        .order_by("due_date", "project__code", "id").values_list("id", flat=True)
    )


def overdue_rows(ids: list[int]) -> list[Milestone]:
    """The milestones `ids` (one page), in that order, with their project, organization and reminders."""
    rows = {m.pk: m for m in Milestone.objects.filter(pk__in=ids).select_related("project__organization")
            .annotate(reminders_sent=Count("reminders", filter=Q(reminders__kind="overdue")))}
    return [rows[pk] for pk in ids if pk in rows]


def get_report_project(user, pk: int) -> Project:
    """The 结项评估报告 is for officers and evaluators, and for the organization's own members;
    a project without a final evaluation has no report (404)."""
    if getattr(user, "is_authenticated", False) and user.has_role(*EVALUATING_ROLES):
        qs = evaluable_projects(user)
    elif getattr(user, "is_authenticated", False) and user.role == Role.APPLICANT:
        qs = visible_projects(user)
    else:
        raise Http404
    try:
        return (
            qs.filter(evaluations__kind=EvaluationKind.FINAL).distinct()
            .select_related("round", "organization").get(pk=pk)
        )
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
