"""Which projects a user may see, fetched and authorized in one step (404 for missing or not yours)."""
import re

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role
from core import plain_rows
from projects.lifecycle import PROJECT
from projects.models import Project
from projects.permissions import member_organizations

# The reviewers app's assignment states in which an expert sees the proposal: no conflict declared,
# or scores submitted. Spelled as values because projects sits below reviewers;
# tests/projects/test_lifecycle_table.py keeps them equal to reviewers.models.AssignmentState.
EXPERT_SEES_ASSIGNMENTS = ("accepted", "submitted")


def visible_projects(user) -> QuerySet[Project]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Project.objects.none()
    if user.is_admin or user.role == Role.OFFICER:
        return Project.objects.all()
    if user.role == Role.APPLICANT:
        return Project.objects.filter(organization__membership__user=user)
    if user.role == Role.FINANCE:
        return Project.objects.filter(state__in=PROJECT.group("after_signing"))
    if user.role == Role.EVALUATOR:
        return Project.objects.filter(state__in=PROJECT.group("evaluable"))
    if user.role == Role.EXPERT:
        # Experts see a proposal while it is being reviewed and decided, not the project's later life.
        return Project.objects.filter(
            state__in=PROJECT.group("review_stage"),
            assignments__expert__user=user,
            assignments__state__in=EXPERT_SEES_ASSIGNMENTS,
        )
    return Project.objects.none()


def get_project_for(user, pk: int, *, related: tuple[str, ...] = ("round", "organization"),
                    only: tuple[str, ...] = ()) -> Project:
    # The joins that decide visibility may repeat the row (an expert with two assignments on it); the
    # copies are identical, so the first one is taken. DISTINCT would sort every column of the wide
    # joined row on each request (several ms on PostgreSQL, on every applicant autosave).
    # `related`: what is read with the project (a page that never shows the organization leaves its 19
    # columns out: building the query costs CPU per column, and the autosave asks 60 times a second).
    # Only when there is something to read with it: select_related() with no names follows every
    # foreign key (round, organization, creator…), the opposite of reading nothing.
    return _one(visible_projects(user), pk, related=related, only=only)


def _one(projects, pk: int, *, related: tuple[str, ...], only: tuple[str, ...]) -> Project:
    """The project `pk` among `projects` (404 when it is not there, or `pk` is no number), read with
    `related` and, when given, only the columns in `only` (others deferred: each read later costs a query)."""
    qs = projects.select_related(*related) if related else projects
    if only:
        qs = qs.only(*only, *related)
    try:
        found = list(qs.filter(pk=pk).order_by()[:1])
    except (ValueError, TypeError):
        raise Http404 from None
    if not found:
        raise Http404
    return found[0]


def get_member_project(user, pk: int, *, related: tuple[str, ...] = ("round", "organization"),
                       only: tuple[str, ...] = ()) -> Project:
    """A project the user may see that belongs to one of their organizations (the applicant's pages),
    404 for missing and not-yours alike: get_project_for and is_member in one query. An applicant
    sees exactly the projects of their organizations, so for them the membership set (read once per
    request) decides alone, without joining organization and membership on every autosave."""
    organizations = member_organizations(user)
    if not organizations:
        raise Http404
    if user.role == Role.APPLICANT and only and len(related) <= 1:
        return _member_columns(organizations, pk, related=related, only=only)
    projects = Project.objects.all() if user.role == Role.APPLICANT else visible_projects(user)
    return _one(projects.filter(organization_id__in=sorted(organizations)), pk, related=related, only=only)


def _member_columns(organizations: set[int], pk, *, related: tuple[str, ...], only: tuple[str, ...]) -> Project:
    """_one for an applicant reading a few columns (the autosave, 60-odd times a second on deadline day):
    the same row, columns and 404s by one plain query (core.plain_rows), since building the ORM query
    cost twice what running it did. `only` names the related row's columns as `round__domains`."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    joined = related[0] if related else ""
    project = plain_rows.one(
        Project, pk, (*(n for n in only if "__" not in n), *related), related=joined,
        related_names=tuple(n.split("__", 1)[1] for n in only if joined and n.startswith(f"{joined}__")))
    if project is None or project.organization_id not in organizations:
        raise Http404
    return project


# Filed after the proposal (receipts, the signed agreement): not for the experts who reviewed it.
IMPLEMENTATION_FILE_KINDS = {"receipt", "signed_agreement"}
# In a blind round an expert reads only files about the proposal; the registration certificate,
# charter, rating certificate and financial report name the organization, so they are withheld.
BLIND_REVIEW_FILE_KINDS = {"other"}


def _blind_for(user, project) -> bool:
    return user.role == Role.EXPERT and project.round.blind_review


def get_attachment_for(user, project_pk: int, attachment_id: int):
    """A file of a project the user may see. Experts get none here (404, as not yours): they read the
    proposal's files on their review page, under neutral names and, in a blind round, cleaned of
    document metadata (reviewers.review_files). The limits below are what that page offers."""
    if getattr(user, "role", None) == Role.EXPERT:
        raise Http404
    project = get_project_for(user, project_pk)
    files = project.attachments.all()
    if user.role == Role.EXPERT:
        files = files.exclude(kind__in=IMPLEMENTATION_FILE_KINDS)
    if _blind_for(user, project):
        files = files.filter(kind__in=BLIND_REVIEW_FILE_KINDS)
    try:
        return files.select_related("project__round").get(pk=attachment_id)
    except (files.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def attachment_download_name(user, attachment) -> str:
    """The name a download is sent under: the cleaned original, except to an expert in a blind round,
    where an original name ("某某服务中心-项目方案.pdf") would give the applicant away."""
    if not _blind_for(user, attachment.project):
        return attachment.original_name
    match = _EXTENSION.search(attachment.original_name or "")
    return f"附件-{attachment.pk}{match.group(0).lower() if match else ''}"
