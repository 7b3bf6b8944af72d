"""Program officers' pages: rounds, assignment, panels, ranking and decisions, 公示, expert pool."""
from decimal import Decimal

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import xlsx_export
from core.errors import DomainError
from core.listing import query_without
from core.messages import report_outcome, show_errors
from core.pagination import paginate
from core.spreadsheets import read_upload
from documents.pdf import render_pdf
from documents.services import start_job
from finance.commitments import committed_split, pot_figures, round_money
from projects import services as project_services
from projects.models import Project
from projects.states import State
from reviewers import board, lists, selectors, services, steering, stored_ranking
from reviewers.forms import AddExpertForm, AutoAssignForm, ImportForm, ObjectionForm, ReasonForm, RelationForm
from reviewers.models import (
    AssignmentRun,
    AssignmentState,
    ConflictSuggestion,
    Expert,
    PanelExclusion,
    RoundDeclaration,
    RoundEvent,
    RunState,
    SuggestionState,
)
from reviewers.resources import ExpertImportResource, ScoreSheetResource, read_dataset, xlsx_bytes
from reviewers.sheets import score_sheet
from reviewers.views import export_jobs

A = AssignmentState


@login_required
def rounds(request):
    return render(request, "reviewers/rounds.html", {"rounds": selectors.officer_rounds(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request, pk):
    round = selectors.round_for_officer(request.user, pk)
    form = AutoAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report_outcome(request, lambda: services.start_auto_assignment(
            actor=request.user, round_id=round.pk, seed=form.cleaned_data["seed"]),
            done=_("Automatic assignment started."))
        return redirect("reviewers:round", pk=round.pk)
    # The page is cut from the projects alone (index on round and state), then only its 50 rows are
    # counted: counting every panel of a national round before paging took most of a second.
    page = paginate(request, Project.objects.filter(round=round, state__in=[State.UNDER_REVIEW, State.REVIEWED])
                    .order_by("code").values_list("pk", flat=True), 50)
    ids = list(page.object_list)
    counted = {p.pk: p for p in Project.objects.filter(pk__in=ids).annotate(
        n_panel=Count("assignments", filter=~Q(assignments__state=A.RECUSED)),
        n_submitted=Count("assignments", filter=Q(assignments__state=A.SUBMITTED)),
        n_recused=Count("assignments", filter=Q(assignments__state=A.RECUSED)),
    )}
    page.object_list = [counted[pk] for pk in ids if pk in counted]
    runs = list(AssignmentRun.objects.filter(round=round).select_related("job")[:5])
    return render(request, "reviewers/round.html", {
        "round": round, "form": form, "page": page, "money": pot_figures(round), "runs": runs,
        # While a run is going the page reloads itself (a meta refresh needs no script) to show its progress.
        "running": any(r.state == RunState.PENDING for r in runs),
        "declared": RoundDeclaration.objects.filter(round=round).count(),
        "pending_suggestions": ConflictSuggestion.objects.filter(round=round, state=SuggestionState.PENDING).count(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def project_panel(request, round_id, pk):
    project = selectors.project_for_officer(request.user, pk, round_id=round_id)
    add_form = AddExpertForm(request.POST if request.POST.get("action") == "add" else None, project=project)
    if request.method == "POST":
        action = request.POST.get("action")
        reason = ReasonForm(request.POST)
        on_panel = (project.assignments.filter(expert_id=request.POST.get("expert")).exclude(state=A.RECUSED)
                    .select_related("expert").first()
                    if action == "add" and str(request.POST.get("expert", "")).isdigit() else None)
        if on_panel is not None:  # a second click, or a tab opened before the first one saved
            messages.info(request, _("%(name)s is on this panel already; nothing was changed.") % {"name": on_panel.expert.name})
            return redirect("reviewers:panel", round_id=round_id, pk=project.pk)
        try:
            if action == "add" and add_form.is_valid():
                services.assign_expert(actor=request.user, project=project, expert=add_form.cleaned_data["expert"])
            elif action in ("remove", "reopen") and reason.is_valid():
                assignment = _panel_member(project, request.POST.get("assignment"))
                call = services.remove_assignment if action == "remove" else services.reopen_review
                call(actor=request.user, assignment_id=assignment.pk, reason=reason.cleaned_data["reason"])
            else:
                messages.error(request, _("Please fill in the form completely."))
                return redirect("reviewers:panel", round_id=round_id, pk=project.pk)
        except DomainError as exc:
            show_errors(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("reviewers:panel", round_id=round_id, pk=project.pk)
    return render(request, "reviewers/panel.html", {
        "project": project, "round": project.round, "panel": selectors.panel(project), "add_form": add_form,
        "events": project.events.filter(action__in=[
            "assign_expert", "unassign_expert", "auto_assign", "auto_assign_balance", "expert_recused",
            "expert_declared",
            "review_submitted", "review_reopened", "replacement_missing", "conflict_declared",
            "conflict_decided"]).select_related("actor"),
        "exclusions": PanelExclusion.objects.filter(project=project).select_related("expert", "removed_by"),
    })


def _panel_member(project, assignment_id):
    for assignment in selectors.panel(project):
        if str(assignment.pk) == str(assignment_id):
            return assignment
    raise Http404


def _decisions(request, round) -> list[services.Decision]:
    chosen = [int(pk) for pk in request.POST.getlist("project") if str(pk).isdecimal()]
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    return [
        services.Decision(pk, action, request.POST.get(f"amount_{pk}", "").strip(), comment)
        for pk in stored_ranking.in_rank_order(round, chosen)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def ranking_page(request, pk):
    round = selectors.round_for_officer(request.user, pk)
    if request.method == "POST":
        try:
            done = services.decide(actor=request.user, round_id=round.pk, decisions=_decisions(request, round))
        except DomainError as exc:
            show_errors(request, exc)
        else:
            messages.success(request, _("%(count)d decisions recorded.") % {"count": len(done)})
        return redirect("reviewers:ranking", pk=round.pk)
    def held(projects, part):
        """(what the round holds, what `part` of it holds): the round's figure from its stored money
        cells (pot_figures), the part's through committed_split over those projects only, so the
        first page reads no ledger and a later one only the ledger of the projects ranked above it."""
        total = pot_figures(round).committed
        return total, (committed_split(Project.objects.filter(pk__in=part))[0] if part is not None else Decimal("0.00"))

    # One page of the stored ranking (reviewers.aggregates): no score of the round is read here.
    page, ranked = stored_ranking.page(round, request.GET.get("page"), committed_split=held,
                                       money_for=lambda ids: round_money(round, ids))
    return render(request, "reviewers/ranking.html", {"round": round, "ranking": ranked, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def ranking_download(request, pk):
    """POST: starts the workbook's job (a double click gets the same job) and shows its page. GET (an
    old bookmark, or the way back from the login page after an expired session): the ranking page,
    where the button is; nothing is built."""
    round = selectors.round_for_officer(request.user, pk)
    if request.method != "POST":
        messages.info(request, _("Workbooks are generated in the background: press the export button again."))
        return redirect("reviewers:ranking", pk=round.pk)
    job = start_job(actor=request.user, kind=export_jobs.RANKING_XLSX, params={"round_id": round.pk}, total=1)
    messages.success(request, _("The workbook is being generated in the background; the file can be downloaded here when it is ready."))
    return redirect("documents:job_detail", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def run_result(request, pk):
    """POST: starts the result workbook of a finished automatic run and shows its job page. GET (a
    bookmark, the way back from the login page): the round page, where the button is."""
    run = AssignmentRun.objects.filter(pk=pk).only("pk", "round_id").first()
    if run is None:
        raise Http404
    round = selectors.round_for_officer(request.user, run.round_id)
    if request.method != "POST":
        messages.info(request, _("The result workbook is generated in the background: press “Result workbook (xlsx)” "
                                 "below again."))
        return redirect("reviewers:round", pk=round.pk)
    try:
        job = services.start_run_workbook(actor=request.user, run_id=run.pk)
    except DomainError as exc:
        show_errors(request, exc)
        return redirect("reviewers:round", pk=round.pk)
    messages.success(request, _("The workbook is being generated in the background; the file can be downloaded here when it is ready."))
    return redirect("documents:job_detail", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_publicity(request, pk):
    round = selectors.round_for_officer(request.user, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "publish":
                published = services.publish_round(actor=request.user, round_id=round.pk)
                messages.success(request, _("%(count)d projects are now in public notice.") % {"count": len(published)})
            else:
                _objection(request, round)
        except DomainError as exc:
            show_errors(request, exc)
        # back to the page of the list the officer was on (the forms post to the page's own address)
        back = reverse("reviewers:round_publicity", args=[round.pk])
        return redirect(f"{back}?page={_int_or_none(request.GET.get('page')) or 1}")
    projects = Project.objects.filter(
        round=round, state__in=[State.APPROVED, State.PUBLICITY, State.OBJECTION]).select_related("organization").order_by("code")
    return render(request, "reviewers/round_publicity.html", {"round": round, "page": paginate(request, projects, 50)})


def _objection(request, round) -> None:
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please describe the objection or your finding."))
        return
    project = selectors.project_for_officer(request.user, form.cleaned_data["project"], round_id=round.pk)
    call = {"raise": project_services.raise_objection, "dismiss": project_services.dismiss_objection,
            "uphold": project_services.uphold_objection}[form.cleaned_data["action"]]
    call(actor=request.user, project_id=project.pk, comment=form.cleaned_data["comment"])
    messages.success(request, _("Saved."))


def _sheet(request, pk) -> dict:
    project = selectors.project_for_officer(request.user, pk)
    return score_sheet(project, selectors.submitted_for([project.pk]))


@login_required
def score_sheet_page(request, pk):
    return render(request, "reviewers/score_sheet.html", _sheet(request, pk))


@login_required
def score_sheet_xlsx(request, pk):
    sheet = _sheet(request, pk)
    resource = ScoreSheetResource(sheet["round"].rubric)
    dataset = resource.export(sheet["rows"])
    aggregates = [c["aggregate"] for c in sheet["criteria"]] + [sheet["aggregate"]]
    dataset.append(["汇总得分", *["" if v is None else str(v) for v in aggregates], sheet["method"]])
    dataset.title = "评审汇总表"
    response = HttpResponse(xlsx_bytes(dataset), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="score-sheet-{sheet["project"].code}.xlsx"'
    return response


@login_required
def score_sheet_pdf(request, pk):
    sheet = _sheet(request, pk)
    sheet |= {"round_name": sheet["round"].name, "project_number": sheet["project"].code, "printed": timezone.now()}
    response = HttpResponse(render_pdf("reviewers/score_sheet_print.html", sheet), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="score-sheet-{sheet["project"].code}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def experts(request):
    """The expert pool: import, and a list with filters, search, sortable columns and an xlsx export."""
    filters = lists.ExpertFilter(request.GET or None)
    pool = lists.filtered(selectors.experts_for_officer(request.user), filters, request.GET.get("sort"))
    if request.method == "GET" and request.GET.get("export") == "xlsx":
        return xlsx_export.response(f"experts-{timezone.localdate():%Y%m%d}.xlsx", lists.EXPORT_HEADERS,
                                    lists.export_rows(pool), sheet="专家库")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            dataset = read_dataset(upload.name, read_upload(upload))  # the size is checked before reading
            report = services.import_experts(actor=request.user, rows=ExpertImportResource().parse(dataset))
        except ValueError as exc:
            messages.error(request, str(exc))
        except DomainError as exc:
            show_errors(request, exc)
    page = paginate(request, pool, 100)
    return render(request, "reviewers/experts.html", {
        "page": page, "form": form, "report": report, "headers": ExpertImportResource().headers(),
        "filters": filters, "columns": lists.SORTING.headers(request.GET),
        "export_query": query_without(request.GET, "page", "export"),
    })


@login_required
def experts_template(request):
    """An empty import sheet with the expected headers."""
    selectors.experts_for_officer(request.user)
    dataset = tablib.Dataset(headers=ExpertImportResource().headers())
    dataset.append(["王芳", "13800000000", "wangfang@example.com", "温州大学", "副教授", "为老服务、社区治理", "鹿城区", "否"])
    response = HttpResponse(xlsx_bytes(dataset), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="experts-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def expert_detail(request, pk):
    expert = selectors.expert_for_officer(request.user, pk)
    form = RelationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if report_outcome(request, lambda: services.record_relation(
                actor=request.user, expert_id=expert.pk, organization_id=data["organization"].pk, kind=data["kind"],
                start=data["start"], end=data["end"], note=data["note"]), done=_("Saved.")):
            return redirect("reviewers:expert", pk=expert.pk)
    return render(request, "reviewers/expert.html", {
        "expert": expert, "form": form,
        "relations": expert.relations.select_related("organization").order_by("-start", "-id"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def conflicts(request, pk):
    """Conflict suggestions to confirm or dismiss, and who has declared on the round's applicant list."""
    round = selectors.round_for_officer(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "detect":
                n = steering.detect_conflicts(actor=request.user, round_id=round.pk)
                messages.success(request, _("%(count)d new possible conflicts found.") % {"count": n})
            elif action in ("confirm", "dismiss"):
                suggestion = ConflictSuggestion.objects.filter(round=round, pk=_int_or_none(request.POST.get("suggestion"))).first()
                if suggestion is None:
                    raise Http404
                left = steering.decide_suggestion(actor=request.user, suggestion_id=suggestion.pk,
                                                  confirm=action == "confirm", note=request.POST.get("note", ""))
                messages.success(request, _("Saved."))
                for text in left:
                    messages.warning(request, text)
            else:
                raise Http404
        except DomainError as exc:
            show_errors(request, exc)
        return redirect("reviewers:conflicts", pk=round.pk)
    suggestions = ConflictSuggestion.objects.filter(round=round).select_related("expert", "organization", "decided_by")
    declarations = RoundDeclaration.objects.filter(round=round).select_related("expert").prefetch_related("organizations")
    return render(request, "reviewers/conflicts.html", {
        "round": round, "suggestions": suggestions, "declarations": declarations,
        "undeclared": Expert.objects.filter(active=True).exclude(round_declarations__round=round).order_by("name"),
        "events": RoundEvent.objects.filter(round=round, action__startswith="conflict").select_related("actor")[:50],
    })


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def progress(request, pk):
    """Each expert's progress in the round, with a reminder button and their own load limit."""
    round = selectors.round_for_officer(request.user, pk)
    if request.method == "POST":
        expert = Expert.objects.filter(pk=_int_or_none(request.POST.get("expert"))).first()
        if expert is None:
            raise Http404
        try:
            if request.POST.get("action") == "remind":
                steering.remind_expert(actor=request.user, round_id=round.pk, expert_id=expert.pk)
                messages.success(request, _("Reminder sent to %(name)s.") % {"name": expert.name})
            elif request.POST.get("action") == "limit":
                raw = (request.POST.get("max_load") or "").strip()
                if raw and not raw.isdecimal():  # not isdigit: "²" and "①" are digits to it, and int() refuses them
                    messages.error(request, _("The limit must be a whole number."))
                    return _back_to_page(request, "reviewers:progress", round.pk)
                limit = steering.set_load_limit(actor=request.user, round_id=round.pk, expert_id=expert.pk,
                                                max_load=int(raw) if raw else None)
                messages.success(request, _("Saved."))
                held = steering.seats_held(round.pk, expert.pk) if limit else 0
                if limit and held > limit.max_load:
                    messages.warning(request, _(
                        "%(name)s already has %(held)d proposals in this round, more than the new limit of %(limit)d. "
                        "They keep them; automatic assignment will give them no more.")
                        % {"name": expert.name, "held": held, "limit": limit.max_load})
            else:
                raise Http404
        except DomainError as exc:
            show_errors(request, exc)
        return _back_to_page(request, "reviewers:progress", round.pk)
    page, rows, totals = board.board_page(round, request.GET.get("page"))
    return render(request, "reviewers/progress.html", {"round": round, "rows": rows, "page": page, "totals": totals})


def _back_to_page(request, name: str, pk: int):
    """After a POST, back to the page of the list the officer was on (the forms post to the page's address)."""
    return redirect(f"{reverse(name, args=[pk])}?page={_int_or_none(request.GET.get('page')) or 1}")
