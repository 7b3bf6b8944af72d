"""Officer pages: the project list, a project's detail with its actions, what changed between
versions, and budget adjustment decisions. Every action calls a service."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.errors import DomainError
from grants.models import GrantRound
from projects import lifecycle, services
from projects.budget_editor import editor_context
from projects.diff import diff_snapshots
from projects.lifecycle import PROJECT
from projects.models import AdjustmentState, BudgetAdjustment
from projects.selectors import get_project_for, visible_projects
from projects.states import State
from projects.views.applicant.common import show_errors

STAFF = (Role.OFFICER, Role.EVALUATOR, Role.FINANCE)


def _staff(request) -> None:
    if not request.user.has_role(*STAFF):
        raise Http404


class FilterForm(forms.Form):
    round = forms.ModelChoiceField(GrantRound.objects.all(), required=False, label=gettext_lazy("Round"))
    state = forms.ChoiceField(choices=[("", gettext_lazy("Please choose")), *State.choices], required=False, label=gettext_lazy("State"))
    q = forms.CharField(required=False, label=gettext_lazy("Search"))


@login_required
def officer_list(request):
    _staff(request)
    form = FilterForm(request.GET or None)
    projects = visible_projects(request.user).select_related("round", "organization").only(
        "code", "title", "state", "requested_amount", "approved_amount", "version", "submitted_at",
        "round__name", "organization__name",
    ).order_by("-submitted_at", "-id")
    if form.is_valid():
        if form.cleaned_data["round"]:
            projects = projects.filter(round=form.cleaned_data["round"])
        if form.cleaned_data["state"]:
            projects = projects.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"].strip()
            projects = projects.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(organization__name__icontains=q))
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "officer/list.html", {"form": form, "page": page, "query": query.urlencode()})


def _actions(project, user) -> list[dict]:
    """The levers the lifecycle table offers this user on this project now, with the inputs each asks."""
    return [{"name": t.name, "label": t.label, "comment_required": t.comment_required,
             "comment": "comment" in t.inputs, "amount": "amount" in t.inputs, "signer": "signer_name" in t.inputs}
            for t in lifecycle.offered(project, user)]


@login_required
def officer_detail(request, pk: int):
    _staff(request)
    project = get_project_for(request.user, pk)
    events = project.events.select_related("actor").order_by("-at", "-id")
    return render(request, "officer/detail.html", {
        "project": project, "events": events, "actions": _actions(project, request.user),
        "files": project.attachments.all(), "milestones": project.milestones.all(),
        "indicators": project.indicators.all(),
        "budget": editor_context(project.round, list(project.budget_lines.all()),
                                 grant_amount=project.approved_amount),
        "lines": project.budget_lines.all(),
        "adjustments": project.adjustments.filter(state=AdjustmentState.PENDING),
        "has_versions": project.events.filter(action="submit").count() > 1,
    })


@login_required
@require_POST
def officer_action(request, pk: int, name: str):
    _staff(request)
    project = get_project_for(request.user, pk)
    if name not in PROJECT or not PROJECT.get(name).manual:
        raise Http404
    try:
        services.perform_transition(
            actor=request.user, project_id=project.pk, name=name, comment=request.POST.get("comment", ""),
            amount=request.POST.get("amount", ""), signer_name=request.POST.get("signer_name", ""),
        )
    except DomainError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, _("Done: %(action)s") % {"action": PROJECT.get(name).label})
    return redirect("projects:officer_detail", pk=pk)


@login_required
def changes(request, pk: int):
    """The last two submitted versions side by side: what the organization changed after a return."""
    _staff(request)
    project = get_project_for(request.user, pk)
    submits = list(project.events.filter(action="submit").order_by("-at", "-id")[:2])
    if len(submits) < 2:
        raise Http404
    new, old = submits
    diff = diff_snapshots(old.data.get("snapshot", {}), new.data.get("snapshot", {}))
    return render(request, "officer/changes.html", {
        "project": project, "old": old, "new": new, "diff": diff,
        "old_version": old.data.get("version"), "new_version": new.data.get("version"),
    })


@login_required
def adjustment(request, adjustment_id: int):
    _staff(request)
    adj = get_object_or_404(BudgetAdjustment, pk=adjustment_id)
    project = get_project_for(request.user, adj.project_id)
    if request.method == "POST":
        try:
            services.decide_budget_adjustment(actor=request.user, adjustment_id=adj.pk,
                                              approve=request.POST.get("decision") == "approve",
                                              comment=request.POST.get("comment", ""))
        except DomainError as exc:
            show_errors(request, exc)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("projects:officer_detail", pk=project.pk)
    return render(request, "officer/adjustment.html", {
        "project": project, "adjustment": adj, "current": project.budget_lines.all(),
        "proposed": editor_context(project.round, adj.proposed_lines, grant_amount=project.approved_amount,
                                   basis="核定"),
    })
