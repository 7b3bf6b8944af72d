"""Reads of the review app that cross a permission boundary: fetch and authorize in one step,
Http404 for "missing" and "not yours" alike."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, Func, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import Role
from grants.models import GrantRound
from projects.lifecycle import PROJECT
from projects.models import BudgetLine, Project
from projects.states import State
from reviewers.aggregate_models import ReviewAggregate
from reviewers.blind import identifying_names, redact
from reviewers.models import Assignment, AssignmentState, Expert

A = AssignmentState
# Once the expert has declared no conflict, they see the proposal; a recused one never does.
VISIBLE_TO_EXPERT = [A.ASSIGNED, A.ACCEPTED, A.SUBMITTED]
PUBLIC_NOTICE_STATES = [
    State.PUBLICITY, State.OBJECTION, State.CONTRACTED, State.IN_PROGRESS, State.MIDTERM_REVIEW,
    State.FINAL_REVIEW, State.COMPLETED,
]


def _is_officer(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.OFFICER)


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def my_assignments(user) -> QuerySet[Assignment]:
    """The expert's own review tasks (a recused one stays listed as recused, without its proposal)."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.EXPERT:
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(expert__user=user)
        .select_related("project__round", "project__organization")
        .order_by("state", "project__round__review_end", "project__code")
    )


MY_REVIEW_COLUMNS = (
    "pk", "state", "total", "draft_saved_at", "project__code", "project__title", "project__round_id",
    "project__round__name", "project__round__review_end", "project__round__blind_review", "project__organization_id",
    "project__organization__name", "project__organization__bank_account_name",
)


def my_review_rows(user) -> list[dict]:
    """The rows of "my reviews" as plain values, in my_assignments' order and with its authorization: only the
    columns the page shows, one query, and the applicant's name forms worked out once per organization."""
    names: dict[int, list[str]] = {}
    rows = []
    for (pk, state, total, draft_saved_at, code, title, round_id, round_name, review_end, blind, org_id, org_name,
         account_name) in my_assignments(user).values_list(*MY_REVIEW_COLUMNS):
        if blind:  # as redacted_title: a blind round hides the applicant's name forms from the title
            if org_id not in names:
                names[org_id] = identifying_names(org_name, extra=[account_name])
            title = redact(title, names[org_id])
        rows.append({"pk": pk, "state": state, "total": total, "draft_saved_at": draft_saved_at, "code": code,
                     "title": title, "round_id": round_id, "round_name": round_name, "review_end": review_end})
    return rows


def assignment_for_expert(user, pk) -> Assignment:
    """One of the expert's own non-recused tasks; another expert's task is a 404."""
    try:
        return my_assignments(user).filter(state__in=VISIBLE_TO_EXPERT).get(pk=_int(pk))
    except Assignment.DoesNotExist:
        raise Http404 from None


def assignment_for_files(user, pk) -> Assignment:
    """An assignment whose proposal files the expert may read now: declared free of conflicts or
    submitted, while the project is reviewed and decided (as projects.selectors.visible_projects)."""
    try:
        return my_assignments(user).filter(state__in=[A.ACCEPTED, A.SUBMITTED],
                                           project__state__in=PROJECT.group("review_stage")).get(pk=_int(pk))
    except Assignment.DoesNotExist:
        raise Http404 from None


def round_for_expert(user, pk) -> GrantRound:
    """A round whose applicant list an expert of the pool may declare against: it has applicants."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.EXPERT or not Expert.objects.filter(
            user=user, active=True).exists():
        raise Http404
    try:
        return declarable_rounds().get(pk=_int(pk))
    except GrantRound.DoesNotExist:
        raise Http404 from None


# Rounds with applicants whose review is still ahead or under way.
DECLARABLE_STATES = [State.SUBMITTED, State.UNDER_REVIEW]


def declarable_rounds() -> QuerySet[GrantRound]:
    # One index probe per round (round, state) instead of joining and de-duplicating every project.
    return GrantRound.objects.filter(Exists(Project.objects.filter(round=OuterRef("pk"), state__in=DECLARABLE_STATES))
                                     ).order_by("-year", "-apply_start")


def review_names(project: Project) -> list[str]:
    """The forms of the applicant's name that a blind round hides from its experts; none otherwise."""
    if not project.round.blind_review:
        return []
    org = project.organization
    return identifying_names(org.name, extra=[org.bank_account_name])


def redacted_title(project: Project) -> str:
    return redact(project.title, review_names(project))


def officer_rounds(user) -> QuerySet[GrantRound]:
    """The rounds with their review figures, each from an index rather than a join of every seat (a
    national round has 500,000): projects under review by (round, state); the open seats of those
    projects (an open seat elsewhere belongs to a project that left review, and no one can act on
    it); submitted reviews as the sum of the stored per-project counts (reviewers.aggregates)."""
    if not _is_officer(user):
        raise Http404
    under_review = Project.objects.filter(round=OuterRef("pk"), state=State.UNDER_REVIEW)
    return GrantRound.objects.annotate(
        n_projects=_count(under_review),
        n_open=_count(Assignment.objects.filter(project__round=OuterRef("pk"), project__state=State.UNDER_REVIEW,
                                                state__in=[A.ASSIGNED, A.ACCEPTED])),
        n_submitted=Coalesce(Subquery(ReviewAggregate.objects.filter(round=OuterRef("pk")).order_by()
                                      .values("round").annotate(s=Sum("n")).values("s")), 0),
    ).order_by("-year", "-apply_start")


def _count(queryset: QuerySet) -> Coalesce:
    return Coalesce(Subquery(queryset.order_by().values(one=Value(1)).annotate(n=Func(F("pk"), function="COUNT"))
                             .values("n")), 0)


def _officer_gets(user, queryset, pk):
    """One row for an officer; 404 for anyone else, a missing row or a malformed id alike."""
    if not _is_officer(user):
        raise Http404
    try:
        return queryset.get(pk=_int(pk))
    except queryset.model.DoesNotExist:
        raise Http404 from None


def round_for_officer(user, pk) -> GrantRound:
    return _officer_gets(user, GrantRound.objects.prefetch_related("budget_caps"), pk)


def project_for_officer(user, pk, round_id=None) -> Project:
    qs = Project.objects.select_related("round", "organization")
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    return _officer_gets(user, qs, pk)


def panel(project: Project) -> list[Assignment]:
    return list(project.assignments.select_related("expert").order_by("created_at", "id"))


def expert_for_officer(user, pk) -> Expert:
    return _officer_gets(user, Expert.objects.select_related("user"), pk)


def experts_for_officer(user) -> QuerySet[Expert]:
    if not _is_officer(user):
        raise Http404
    return Expert.objects.annotate(n_relations=Count("relations")).order_by("name", "id")


@dataclass(frozen=True, slots=True)
class ExpertRef:
    id: int
    name: str
    weight: Decimal


@dataclass(frozen=True, slots=True)
class SubmittedScore:
    """A submitted review as the ranking needs it: plain values, no model instance per score."""

    project_id: int
    expert: ExpertRef
    scores: dict
    total: Decimal


RANKING_PROJECT_FIELDS = (
    "id", "code", "title", "state", "requested_amount", "approved_amount", "submitted_at", "round_id",
    "organization_id", "organization__name",
)


def ranking_inputs(round: GrantRound) -> tuple[list[Project], list[SubmittedScore]]:
    """Everything the ranking page needs in a fixed number of queries, whatever the round's size.
    A province-sized round has ~20,000 projects and ~100,000 scores, so rows are fetched lean."""
    projects = list(
        Project.objects.filter(round=round).exclude(
            state__in=[State.DRAFT, State.SUBMITTED, State.RETURNED, State.INELIGIBLE, State.WITHDRAWN])
        .select_related("organization").only(*RANKING_PROJECT_FIELDS)
        # Only a cut amount can break the budget rules, so only those budgets are read.
        .prefetch_related(Prefetch("budget_lines", queryset=BudgetLine.objects.filter(
            project__approved_amount__lt=F("project__requested_amount"))))
    )
    for project in projects:
        project.round = round  # one shared round, so its prefetched budget caps serve every budget check
    experts: dict[int, ExpertRef] = {}
    submitted = []
    for project_id, expert_id, name, weight, scores, total in (
        Assignment.objects.filter(project__round=round, state=A.SUBMITTED)
        .values_list("project_id", "expert_id", "expert__name", "expert__weight", "scores", "total")
        .iterator(chunk_size=5000)
    ):
        expert = experts.get(expert_id)
        if expert is None:
            expert = experts[expert_id] = ExpertRef(expert_id, name, weight)
        submitted.append(SubmittedScore(project_id, expert, scores, total))
    return projects, submitted


def public_round(pk) -> GrantRound:
    try:
        return GrantRound.objects.get(pk=_int(pk))
    except GrantRound.DoesNotExist:
        raise Http404 from None


def public_notice_queryset(round: GrantRound) -> QuerySet[Project]:
    """Projects that are or were in 公示 (an upheld objection clears the dates, so it drops out), in
    the order of the notice (by project number; the index on round, state and code serves it)."""
    return (
        Project.objects.filter(round=round, state__in=PUBLIC_NOTICE_STATES, publicity_start__isnull=False)
        .select_related("organization")
        .only("code", "title", "domain", "approved_amount", "publicity_start", "publicity_end", "state",
              "organization__name", "round_id")
        .order_by("code")
    )


def public_notice_projects(round: GrantRound) -> list[Project]:
    return list(public_notice_queryset(round))


def open_for_objection(round: GrantRound, today) -> list[Project]:
    """The projects of the notice that may still be objected to (the objection form's choices)."""
    return list(public_notice_queryset(round).filter(
        Q(state__in=(State.PUBLICITY, State.OBJECTION)) & (Q(publicity_end__isnull=True) | Q(publicity_end__gte=today))))


def public_notice_facts(round: GrantRound, today) -> dict:
    """The notice's figures over the whole list in one aggregate query: how many rows, the period of
    the notice running now (its own dates, not those of earlier notices of signed projects), and
    how many projects are still open to objection."""
    open_now = Q(state__in=(State.PUBLICITY, State.OBJECTION)) & (Q(publicity_end__isnull=True) | Q(publicity_end__gte=today))
    facts = public_notice_queryset(round).order_by().aggregate(
        count=Count("pk"), open=Count("pk", filter=open_now),
        open_start=Min("publicity_start", filter=open_now), open_end=Max("publicity_end", filter=open_now),
        all_start=Min("publicity_start"), all_end=Max("publicity_end"))
    return {"count": facts["count"], "open": facts["open"],
            "start": facts["open_start"] if facts["open"] else facts["all_start"],
            "end": facts["open_end"] if facts["open"] else facts["all_end"]}


def submitted_for(project_ids: list[int]) -> list[Assignment]:
    return list(
        Assignment.objects.filter(project_id__in=project_ids, state=A.SUBMITTED)
        .select_related("expert").only("project_id", "expert__id", "expert__name", "expert__weight", "scores", "total")
    )


OPEN_REVIEW_STATES = (AssignmentState.ASSIGNED, AssignmentState.ACCEPTED)


def reviews_due(user) -> QuerySet[Assignment]:
    """The expert's reviews still to do (declaration or scores) on projects under review, earliest
    deadline first; a round without a deadline last."""
    return (my_assignments(user).filter(state__in=OPEN_REVIEW_STATES, project__state=State.UNDER_REVIEW)
            .order_by(F("project__round__review_end").asc(nulls_last=True), "project__code", "id"))


def overdue_reviews(user, today) -> QuerySet[Assignment]:
    """Reviews not submitted although their round's review window has closed (officers only)."""
    if not _is_officer(user):
        return Assignment.objects.none()
    return (Assignment.objects.filter(state__in=OPEN_REVIEW_STATES, project__state=State.UNDER_REVIEW,
                                      project__round__review_end__lt=today)
            .select_related("project__round").order_by("project__round__review_end", "project__round_id", "id"))
