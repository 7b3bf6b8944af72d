"""Officer pages: the project list, a project's detail with its actions, what changed between
versions, and budget adjustment decisions. Every action calls a service."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from core import xlsx_export
from core.calendar import today
from core.errors import DomainError
from core.listing import query_without
from core.pagination import paginate
from finance.settling import plan_for
from grants.questions import answer_rows
from projects import lifecycle, lists, services
from projects.budget_editor import editor_context
from projects.diff import diff_rows, diff_snapshots, labelled_rows
from projects.eligibility_panel import CHECK_STATES, TONES, eligibility_panel
from projects.eligibility_panel import DECISIONS as ELIGIBILITY_DECISIONS
from projects.lifecycle import PROJECT
from projects.models import AdjustmentState, BudgetAdjustment, Settlement
from projects.selectors import get_project_for
from projects.views.applicant.common import show_errors

STAFF = (Role.OFFICER, Role.EVALUATOR, Role.FINANCE)


def _staff(request) -> None:
    if not request.user.has_role(*STAFF):
        raise Http404


@login_required
def officer_list(request):
    """Every project the user may see: filters, search, sortable columns, and the filtered list as an
    xlsx file (?export=xlsx) in the same order."""
    _staff(request)
    form = lists.ProjectFilter(request.GET or None)
    projects = lists.filtered(request.user, form, request.GET.get("sort"))
    if request.GET.get("export") == "xlsx":
        return xlsx_export.response(f"projects-{today():%Y%m%d}.xlsx", lists.EXPORT_HEADERS,
                                    lists.export_rows(projects), sheet="项目清单")
    page = paginate(request, projects, 25)
    return render(request, "officer/list.html", {
        "form": form, "page": page, "rows": lists.page_rows(page), "headers": lists.SORTING.headers(request.GET),
        "export_query": query_without(request.GET, "page", "export"),
    })


def _actions(project, user) -> list[dict]:
    """The levers the lifecycle table offers this user on this project now, with the inputs each asks;
    the eligibility decisions also ask for a confirmation and look distinct."""
    return [{"name": t.name, "label": t.label, "comment_required": t.comment_required,
             "comment": "comment" in t.inputs, "amount": "amount" in t.inputs, "signer": "signer_name" in t.inputs,
             "confirm": t.name in ELIGIBILITY_DECISIONS, "tone": TONES.get(t.name, "")}
            for t in lifecycle.offered(project, user)]


@login_required
def officer_detail(request, pk: int):
    _staff(request)
    project = get_project_for(request.user, pk)
    events = project.events.select_related("actor").order_by("-at", "-id")
    panel = eligibility_panel(project, today=today()) if project.state in CHECK_STATES else None
    return render(request, "officer/detail.html", {
        "panel": panel, "reports": project.reports.select_related("resubmission"),
        "project": project, "events": events, "actions": _actions(project, request.user),
        "files": project.attachments.all(), "milestones": project.milestones.all(),
        "indicators": project.indicators.all(),
        "answers": answer_rows(round_id=project.round_id, project_id=project.pk),
        "budget": editor_context(project.round, list(project.budget_lines.all()),
                                 grant_amount=project.approved_amount),
        "lines": project.budget_lines.all(),
        "adjustments": project.adjustments.filter(state=AdjustmentState.PENDING),
        "has_versions": project.events.filter(action="submit").count() > 1,
        **_settlement(project),
    })


def _settlement(project) -> dict:
    """结项决算 as recorded at the final evaluation; before it, once the final report is in, the same
    figures as they stand (finance.settling.plan_for, the one computation)."""
    recorded = Settlement.objects.filter(project=project).first()
    if recorded is not None:
        return {"settlement": recorded, "settlement_is_preview": False}
    if project.signed_at and project.reports.filter(kind="final").exists():
        return {"settlement": plan_for(project), "settlement_is_preview": True}
    return {"settlement": None}


@login_required
@require_POST
def officer_action(request, pk: int, name: str):
    _staff(request)
    project = get_project_for(request.user, pk)
    if name not in PROJECT or not PROJECT.get(name).manual:
        raise Http404
    if name in ELIGIBILITY_DECISIONS and not request.POST.get("confirm"):
        # A decision on eligibility is read, then confirmed: a stray click (or a crafted POST) records nothing.
        messages.error(request, _("Tick the confirmation box to record “%(action)s”.") % {
            "action": PROJECT.get(name).label})
        return redirect("projects:officer_detail", pk=pk)
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


def _line_row(line) -> dict:
    return {"category": line.category, "item": line.item, "unit_price": str(line.unit_price),
            "quantity": str(line.quantity), "amount": str(line.amount), "source": line.source,
            "explanation": line.explanation}


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
    current = [_line_row(line) for line in project.budget_lines.all()]
    proposed = [row for row in adj.proposed_lines if isinstance(row, dict)]
    columns, current_rows = labelled_rows("budget", current)
    return render(request, "officer/adjustment.html", {
        "project": project, "adjustment": adj, "columns": columns, "current": current_rows,
        "proposed_rows": labelled_rows("budget", proposed)[1],
        # Against the budget it was asked to replace while pending; against today's budget once decided.
        "section": diff_rows("budget", current, proposed),
        "proposed": editor_context(project.round, adj.proposed_lines, grant_amount=project.approved_amount,
                                   basis="核定"),
    })
