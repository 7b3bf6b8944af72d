"""After signing: progress / mid-term / final reports with receipts, and budget adjustment requests."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError
from projects import drafting, services
from projects.budget_editor import editor_context
from projects.models import ReportKind
from projects.views.applicant.common import member_project, show_errors
from projects.views.applicant.edit import post_budget
from projects.states import SIGNED


def _signed(request, pk: int):
    project = member_project(request, pk)
    if project.state not in SIGNED and not project.reports.exists():
        raise Http404
    return project


def _expenditures(post, lines_by_id: dict) -> tuple[list[dict], list[str]]:
    """Spending is declared per budget line; category and source come from that line."""
    rows, problems = [], []
    for index, row in enumerate(drafting.columns(post, "e_", ("line", "item", "amount")), start=1):
        if not row["amount"] and not row["item"]:
            continue
        line = lines_by_id.get(row["line"])
        if line is None:
            problems.append(f"支出第{index}行：请选择对应的预算行")
            continue
        rows.append({"budget_line_id": line.pk, "category": line.category, "source": line.source,
                     "item": row["item"] or line.item, "amount": row["amount"]})
    return rows, problems


def reports(request, pk: int):
    project = _signed(request, pk)
    lines = list(project.budget_lines.all())
    indicators = list(project.indicators.all())
    problems: list[str] = []
    if request.method == "POST":
        rows, problems = _expenditures(request.POST, {str(l.pk): l for l in lines})
        achieved = {i.pk: request.POST.get(f"achieved_{i.pk}", "").strip() for i in indicators}
        if not problems:
            try:
                report = services.submit_report(
                    actor=request.user, project_id=project.pk, kind=request.POST.get("kind", ""),
                    narrative=request.POST.get("narrative", ""), expenditures=rows,
                    achieved={k: v for k, v in achieved.items() if v},
                )
            except DomainError as exc:
                problems = exc.errors
            else:
                for receipt in request.FILES.getlist("receipts"):
                    try:
                        services.add_attachment(actor=request.user, project_id=project.pk, kind="receipt",
                                                uploaded_file=receipt)
                    except DomainError as exc:
                        show_errors(request, exc)
                messages.success(request, _("The report is submitted."))
                return redirect("applicant:reports", pk=pk)
    for indicator in indicators:
        typed = request.POST.get(f"achieved_{indicator.pk}") if request.method == "POST" else None
        indicator.shown = indicator.achieved if typed is None else typed
    return render(request, "applicant/reports.html", {
        "project": project, "lines": lines, "indicators": indicators, "problems": problems,
        "kinds": ReportKind.choices, "reports": project.reports.prefetch_related("expenditures"),
        "receipts": project.attachments.filter(kind="receipt"), "post": request.POST,
        "milestones": project.milestones.all(),
        # A refused report shows every typed row and value again: nothing typed is lost.
        "posted_rows": [r for r in drafting.columns(request.POST, "e_", ("line", "item", "amount"))
                        if r["line"] or r["item"] or r["amount"]] if request.method == "POST" else [],

    })


def milestone_done(request, pk: int, milestone_id: int):
    if request.method != "POST":
        raise Http404
    project = _signed(request, pk)
    try:
        services.complete_milestone(actor=request.user, project_id=project.pk, milestone_id=milestone_id)
    except DomainError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, _("The milestone is marked as done."))
    return redirect("applicant:reports", pk=pk)


def adjustment(request, pk: int):
    project = member_project(request, pk)
    if project.state not in SIGNED:
        raise Http404
    rows, problems, saved = post_budget(request, project, lambda lines: services.request_budget_adjustment(
        actor=request.user, project_id=project.pk, lines=lines, reason=request.POST.get("reason", "")))
    if saved:
        messages.success(request, _("The adjustment request is sent to the program officer."))
        return redirect("applicant:adjustment", pk=pk)
    return render(request, "applicant/adjustment.html", {
        "project": project, "rows": rows, "unsaved": problems, "reason": request.POST.get("reason", ""),
        "adjustments": project.adjustments.select_related("decided_by"),
        "budget": editor_context(project.round, list(project.budget_lines.all()),
                                 grant_amount=project.approved_amount, basis="核定"),
    })
