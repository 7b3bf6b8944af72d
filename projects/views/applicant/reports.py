"""After signing: progress / mid-term / final reports with receipts, and budget adjustment requests."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError
from projects import drafting, services
from projects.budget_editor import editor_context
from projects.errors import EditConflict
from projects.lifecycle import SIGNED
from projects.models import ReportKind, ReportReview
from projects.views.applicant.common import member_project, show_errors
from projects.views.applicant.edit import post_budget

SPENDING_COLUMNS = ("line", "item", "amount")
RECEIPTS = "e_receipts_"  # + the row's number: each spending row has its own file input


def _signed(request, pk: int):
    project = member_project(request, pk)
    if project.state not in SIGNED and not project.reports.exists():
        raise Http404
    return project


def posted_spending(post, files) -> tuple[list[dict], list[tuple[int, object]]]:
    """The typed spending rows (blank ones dropped) and (row number, file) for every receipt, numbered
    as the service and the re-shown form number rows. A file without a typed row gets number 0, which
    the service refuses by name rather than dropping it silently."""
    rows, receipts, used = [], [], set()
    for index, row in enumerate(drafting.columns(post, "e_", SPENDING_COLUMNS), start=1):
        key = f"{RECEIPTS}{index}"
        chosen = files.getlist(key)
        used.add(key)
        if not any(row.values()) and not chosen:
            continue
        rows.append(row)
        receipts += [(len(rows), f) for f in chosen]
    receipts += [(0, f) for key in files if key not in used for f in files.getlist(key)]
    return rows, receipts


def _returned(project, raw):
    """The returned report the organization is correcting (?resubmit=<id> or the posted field), if any."""
    try:
        return project.reports.filter(pk=int(raw), review_status=ReportReview.RETURNED,
                                      resubmission__isnull=True).first()
    except (TypeError, ValueError, OverflowError):
        return None


def _version(post) -> int | None:
    try:
        return int(post.get("_version", ""))
    except ValueError:
        return None


def reports(request, pk: int):
    project = _signed(request, pk)
    indicators = list(project.indicators.all())
    problems: list[str] = []
    rows: list[dict] = []
    source = request.POST if request.method == "POST" else request.GET
    correcting = _returned(project, source.get("resubmission_of") or source.get("resubmit"))
    conflicts: list = []
    version = project.edit_version
    if request.method == "POST":
        rows, receipts = posted_spending(request.POST, request.FILES)
        try:
            services.submit_report(
                actor=request.user, project_id=project.pk, kind=request.POST.get("kind", ""),
                narrative=request.POST.get("narrative", ""),
                expenditures=[{"budget_line_id": r["line"], "item": r["item"], "amount": r["amount"]} for r in rows],
                achieved={i.pk: request.POST.get(f"achieved_{i.pk}", "") for i in indicators},
                receipts=receipts, version=_version(request.POST),
                resubmission_of=request.POST.get("resubmission_of") or None,
            )
        except EditConflict as exc:
            conflicts, version = exc.conflicts, exc.version
            if receipts:
                problems = [_("Choose the receipt files again: a browser does not keep chosen files "
                              "after a refused form.")]
        except DomainError as exc:
            problems = exc.errors
            if receipts:
                problems = [*problems, _("Choose the receipt files again: a browser does not keep chosen files "
                                         "after a refused form.")]
        else:
            messages.success(request, _("The report is submitted."))
            return redirect("applicant:reports", pk=pk)
    if correcting is not None and request.method != "POST":
        # The returned report's rows, to correct rather than retype (receipts are chosen again).
        rows = [{"line": str(e.budget_line_id or ""), "item": e.item, "amount": str(e.amount)}
                for e in correcting.expenditures.all()]
    for indicator in indicators:
        typed = request.POST.get(f"achieved_{indicator.pk}") if request.method == "POST" else None
        indicator.shown = indicator.achieved if typed is None else typed
    return render(request, "applicant/reports.html", {
        "project": project, "lines": list(project.budget_lines.all()), "indicators": indicators,
        "problems": problems, "kinds": ReportKind.choices, "post": request.POST,
        "reports": project.reports.select_related("resubmission").prefetch_related("expenditures__receipts"),
        "correcting": correcting,
        "conflicts": conflicts, "version": version,
        "unlinked_receipts": project.attachments.filter(kind="receipt", expenditure__isnull=True),
        "milestones": project.milestones.all(),
        # A refused report shows every typed row and value again: nothing typed is lost.
        "posted_rows": rows,
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
