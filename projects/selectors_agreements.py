"""Reads for grant agreements: which projects have one, who may read it, what a batch prints."""
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role
from grants.models import GrantRound
from projects.guards import budget_issues_against_approved
from projects.lifecycle import FUNDED, PROJECT
from projects.models import Project
from projects.selectors import get_project_for

# An agreement exists once an amount is approved. A round's batch prints only agreements that can be
# signed now: awaiting signature, with a budget that fits the approved amount (a signed, terminated
# or unfit project's agreement is not one to send out).
AGREEMENT_STATES = FUNDED
BATCH_STATES = PROJECT.group("awaiting_signature")


def get_agreement_project_for(user, pk: int) -> Project:
    # The agreement names the payee's bank account: an expert who reviewed the proposal may not read it.
    if getattr(user, "role", None) == Role.EXPERT:
        raise Http404
    project = get_project_for(user, pk)
    if project.state not in AGREEMENT_STATES or project.approved_amount is None:
        raise Http404
    return project


def agreement_projects(ids: list[int]) -> QuerySet[Project]:
    """Everything an agreement prints, in a fixed number of queries for any number of projects."""
    return (
        Project.objects.filter(pk__in=ids, approved_amount__isnull=False)
        .select_related("round", "organization", "organization__host")
        .prefetch_related("budget_lines", "tranches", "round__budget_caps")
    )


def signable(project: Project) -> bool:
    """The agreement can be signed as printed: awaiting signature and the budget fits the grant."""
    return (project.state in BATCH_STATES and project.approved_amount is not None
            and not budget_issues_against_approved(project))


def batch_project_ids(round: GrantRound) -> list[int]:
    candidates = (Project.objects.filter(round=round, state__in=BATCH_STATES, approved_amount__isnull=False)
                  .select_related("round").prefetch_related("budget_lines", "round__budget_caps")
                  .order_by("code", "pk"))
    return [p.pk for p in candidates if signable(p)]


def rounds_with_agreements() -> QuerySet[GrantRound]:
    return GrantRound.objects.filter(
        projects__state__in=BATCH_STATES, projects__approved_amount__isnull=False
    ).distinct().order_by("-year", "name")
