"""Program officers' pages: rounds, assignment, panels, ranking and decisions, 公示, expert pool."""
import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.messages import report_outcome, show_errors
from core.pagination import paginate
from documents.pdf import render_pdf
from finance.commitments import round_money
from finance.reports_xlsx import ranking_xlsx
from projects import services as project_services
from projects.models import Project
from projects.states import State
from reviewers import ranking, selectors, services
from reviewers.forms import AddExpertForm, AutoAssignForm, ImportForm, ObjectionForm, ReasonForm, RelationForm
from reviewers.models import AssignmentRun, AssignmentState
from reviewers.panel_selectors import panel_facts
from reviewers.resources import ExpertImportResource, ScoreSheetResource, read_dataset, xlsx_bytes
from reviewers.sheets import score_sheet

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
    projects = (
        Project.objects.filter(round=round, state__in=[State.UNDER_REVIEW, State.REVIEWED])
        .annotate(
            n_panel=Count("assignments", filter=~Q(assignments__state=A.RECUSED)),
            n_submitted=Count("assignments", filter=Q(assignments__state=A.SUBMITTED)),
            n_recused=Count("assignments", filter=Q(assignments__state=A.RECUSED)),
        ).order_by("code")
    )
    page = paginate(request, projects, 50)
    return render(request, "reviewers/round.html", {
        "round": round, "form": form, "page": page, "money": round_money(round),
        "runs": AssignmentRun.objects.filter(round=round)[:5],
    })


@login_required
@require_http_methods(["GET", "POST"])
def project_panel(request, round_id, pk):
    project = selectors.project_for_officer(request.user, pk, round_id=round_id)
    add_form = AddExpertForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        reason = ReasonForm(request.POST)
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
            "assign_expert", "unassign_expert", "auto_assign", "expert_recused", "expert_declared",
            "review_submitted", "review_reopened", "replacement_missing"]).select_related("actor"),
    })


def _panel_member(project, assignment_id):
    for assignment in selectors.panel(project):
        if str(assignment.pk) == str(assignment_id):
            return assignment
    raise Http404


def _decisions(request, ranked) -> list[services.Decision]:
    chosen = set(request.POST.getlist("project"))
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    return [
        services.Decision(row.project.pk, action, request.POST.get(f"amount_{row.project.pk}", "").strip(), comment)
        for row in ranked.rows if str(row.project.pk) in chosen
    ]


RANKING_PAGE_SIZE = 200


@login_required
@require_http_methods(["GET", "POST"])
def ranking_page(request, pk):
    round = selectors.round_for_officer(request.user, pk)
    ranked = ranking.build(round, *selectors.ranking_inputs(round), money=round_money(round),
                           extras=panel_facts(round))
    if request.method == "POST":
        try:
            done = services.decide(actor=request.user, round_id=round.pk, decisions=_decisions(request, ranked))
        except DomainError as exc:
            show_errors(request, exc)
        else:
            messages.success(request, _("%(count)d decisions recorded.") % {"count": len(done)})
        return redirect("reviewers:ranking", pk=round.pk)
    # The whole round is ranked (the cumulative sum needs every row); only one page is rendered.
    page = paginate(request, ranked.rows, RANKING_PAGE_SIZE)
    return render(request, "reviewers/ranking.html", {"round": round, "ranking": ranked, "page": page})


@login_required
def ranking_download(request, pk):
    round = selectors.round_for_officer(request.user, pk)
    ranked = ranking.build(round, *selectors.ranking_inputs(round), money=round_money(round),
                           extras=panel_facts(round))
    response = HttpResponse(ranking_xlsx(ranked), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="ranking-{round.code}.xlsx"'
    return response


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
        return redirect("reviewers:round_publicity", pk=round.pk)
    projects = Project.objects.filter(
        round=round, state__in=[State.APPROVED, State.PUBLICITY, State.OBJECTION]).select_related("organization").order_by("code")
    return render(request, "reviewers/round_publicity.html", {"round": round, "projects": projects})


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
    pool = selectors.experts_for_officer(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            dataset = read_dataset(upload.name, upload.read())
            report = services.import_experts(actor=request.user, rows=ExpertImportResource().parse(dataset))
        except ValueError as exc:
            messages.error(request, str(exc))
        except DomainError as exc:
            show_errors(request, exc)
    page = paginate(request, pool, 100)
    return render(request, "reviewers/experts.html", {"page": page, "form": form, "report": report,
                                                       "headers": ExpertImportResource().headers()})


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
