"""Reads for grant agreements: which projects have one, who may read it, what a batch prints."""
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role
from grants.models import GrantRound
from projects.lifecycle import FUNDED, SIGNED
from projects.models import Project
from projects.selectors import get_project_for
from projects.states import State

# An agreement exists once an amount is approved; a batch prints those past the decision's 公示.
AGREEMENT_STATES = FUNDED
BATCH_STATES = {State.PUBLICITY, *SIGNED, State.COMPLETED, State.TERMINATED}


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


def batch_project_ids(round: GrantRound) -> list[int]:
    return list(
        Project.objects.filter(round=round, state__in=BATCH_STATES, approved_amount__isnull=False)
        .order_by("code", "pk").values_list("pk", flat=True)
    )


def rounds_with_agreements() -> QuerySet[GrantRound]:
    return GrantRound.objects.filter(
        projects__state__in=BATCH_STATES, projects__approved_amount__isnull=False
    ).distinct().order_by("-year", "name")
