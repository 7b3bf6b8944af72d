"""Evaluator and officer pages for 中期评估 and 结项评估: the work list, the scoring page (with the
project's reports, indicators, spending and receipts), the start of an evaluation, termination with
a claw-back after a failure, and the evaluation report PDF. Every write calls a projects service;
which evaluation may start and whether the project may be terminated is asked of the lifecycle."""
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from core import xlsx_export
from core.calendar import today
from core.errors import DomainError
from core.listing import query_without
from finance.settling import plan_for
from projects import lifecycle, lists, services
from projects.evaluation_report import filename, render_evaluation_report
from projects.lifecycle import PROJECT
from projects.models import EvaluationKind, Project, Settlement
from projects.selectors_monitoring import (
    EVALUATING_ROLES,
    evaluation_queue,
    get_evaluable_project,
    get_report_project,
    performance_of,
)
from projects.states import State
from projects.views.applicant.common import show_errors

KIND_OF_STATE = {State.MIDTERM_REVIEW: EvaluationKind.MIDTERM, State.FINAL_REVIEW: EvaluationKind.FINAL}
# The levers of this page: the start of each evaluation (by its kind in the URL), and the end of a
# failed project (termination, or the claw-back of one a failed final evaluation already terminated).
BEGIN: dict[str, str] = {EvaluationKind.MIDTERM.value: "begin_midterm", EvaluationKind.FINAL.value: "begin_final"}
ENDING = ("terminate", "claw_back")
SECTIONS = (("final", State.FINAL_REVIEW), ("midterm", State.MIDTERM_REVIEW), ("running", State.IN_PROGRESS))
PER_PAGE = 50


class ScoreForm(forms.Form):
    """One text input per rubric criterion: the service checks range and 0.5 steps and names each problem."""

    comment = forms.CharField(label=gettext_lazy("Evaluation comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, rubric: list[dict], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        for criterion in rubric:
            self.fields[f"score_{criterion['code']}"] = forms.CharField(
                label=f"{criterion['name']}（0–{criterion['max']}）", required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "data-max": criterion["max"]}),
            )
        self.order_fields([f"score_{c['code']}" for c in rubric] + ["comment"])

    def scores(self) -> dict:
        return {c["code"]: self.cleaned_data[f"score_{c['code']}"].strip() for c in self.rubric}


class TerminateForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for termination"), widget=forms.Textarea(attrs={"rows": 3}))
    clawback = forms.CharField(label=gettext_lazy("Amount to claw back (yuan)"), required=False, initial="0")


def _require_evaluating_role(user) -> None:
    if not user.has_role(*EVALUATING_ROLES):
        raise Http404


@login_required
def evaluation_list(request):
    """The evaluators' work list in three parts, with a search, a round filter, sortable columns and
    the filtered list as xlsx."""
    _require_evaluating_role(request.user)
    form = lists.EvaluationFilter(request.GET or None)
    queue = lists.filtered_evaluations(evaluation_queue(request.user), form, request.GET.get("sort"))
    if request.GET.get("export") == "xlsx":
        return xlsx_export.response(f"evaluations-{today():%Y%m%d}.xlsx", lists.EVALUATION_EXPORT_HEADERS,
                                    lists.evaluation_export_rows(queue), sheet="评估清单")
    # Each part is paged on its own (?final_page=, ?midterm_page=, ?running_page=): one query counts
    # the three parts, one more per part reads its page, however many projects the rounds hold.
    counts = dict(queue.order_by().values_list("state").annotate(n=Count("pk")))
    parts: dict[str, Any] = {}
    for name, state in SECTIONS:
        page = Paginator(range(counts.get(state, 0)), PER_PAGE).get_page(request.GET.get(f"{name}_page"))
        first = max(page.start_index() - 1, 0)
        parts[name] = list(queue.filter(state=state)[first:first + PER_PAGE])
        parts[f"{name}_page"] = page
    return render(request, "monitoring/evaluation_list.html", {
        "form": form, "headers": lists.EVALUATION_SORTING.headers(request.GET),
        "export_query": query_without(request.GET, "page", "export", *(f"{name}_page" for name, _ in SECTIONS)),
        **parts,
    })


def _rubric(project: Project, kind: str) -> list[dict]:
    return project.round.midterm_rubric if kind == EvaluationKind.MIDTERM else project.round.final_rubric


@login_required
def evaluate(request, pk: int):
    _require_evaluating_role(request.user)
    project = get_evaluable_project(request.user, pk)
    kind = KIND_OF_STATE.get(project.state)
    form = ScoreForm(_rubric(project, kind), request.POST or None) if kind else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            evaluation = services.record_evaluation(
                actor=request.user, project_id=project.pk, kind=kind, scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            for problem in exc.errors:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The evaluation is recorded: %(total)s points %(grade)s") % {
                "total": evaluation.total, "grade": evaluation.grade})
            return redirect("monitoring:evaluate", pk=project.pk)
    evaluations = list(project.evaluations.select_related("evaluator"))
    latest = evaluations[0] if evaluations else None
    failed = latest is not None and not latest.passed
    ending = lifecycle.ready(project, request.user, ENDING) if failed else []
    beginnable = {t.name for t in lifecycle.ready(project, request.user, BEGIN.values())}
    return render(request, "monitoring/evaluate.html", {
        "project": project, "kind": kind, "form": form, "rubric_names": _rubric_names(project),
        "performance": performance_of(project),
        "reports": project.reports.prefetch_related("expenditures").order_by("submitted_at", "id"),
        "receipts": project.attachments.filter(kind="receipt"),
        "tranches": project.tranches.all(),
        "evaluations": evaluations,
        "terminate_form": TerminateForm() if ending else None,
        "ending": ending[0] if ending else None,
        "begin": [{"kind": k, "label": PROJECT.get(name).label} for k, name in BEGIN.items() if name in beginnable],
        "has_final": any(e.kind == EvaluationKind.FINAL for e in evaluations),
        "begin_problems": _begin_problems(project, request.user, beginnable),
        "settlement": Settlement.objects.filter(project=project).first(),
        "settlement_preview": plan_for(project) if project.state == State.FINAL_REVIEW else None,
    })


def _begin_problems(project: Project, user, beginnable: set[str]) -> list[str]:
    """Why the final evaluation cannot start yet (no final report …), for whoever could start it."""
    offered = {t.name for t in lifecycle.offered(project, user, {"begin_final"})}
    if "begin_final" not in offered or "begin_final" in beginnable:
        return []
    return [p.message for p in lifecycle.problems(project, "begin_final", actor=user)]


def _rubric_names(project: Project) -> dict:
    return {c["code"]: c["name"] for c in [*project.round.midterm_rubric, *project.round.final_rubric]}


@login_required
@require_POST
def begin(request, pk: int, kind: str):
    _require_evaluating_role(request.user)
    project = get_evaluable_project(request.user, pk)
    if kind not in BEGIN:
        raise Http404
    try:
        services.run_transition(project_id=project.pk, name=BEGIN[kind], actor=request.user)
    except DomainError as exc:
        show_errors(request, exc)
    return redirect("monitoring:evaluate", pk=project.pk)


@login_required
@require_POST
def terminate(request, pk: int):
    if not request.user.has_role(Role.OFFICER):
        raise Http404
    project = get_evaluable_project(request.user, pk)
    form = TerminateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the reason for the termination."))
        return redirect("monitoring:evaluate", pk=project.pk)
    # Termination, or the claw-back of a project a failed final evaluation already terminated.
    lever = next(iter(lifecycle.offered(project, request.user, ENDING)), PROJECT.get("terminate"))
    try:
        services.perform_transition(actor=request.user, project_id=project.pk, name=lever.name,
                                    comment=form.cleaned_data["reason"], amount=form.cleaned_data["clawback"])
    except DomainError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, _("Done: %(action)s") % {"action": lever.label})
    return redirect("monitoring:evaluate", pk=project.pk)


@login_required
def evaluation_report(request, pk: int):
    """结项评估报告 as PDF: rendered here, outside any transaction, from committed rows."""
    project = get_report_project(request.user, pk)
    response = HttpResponse(render_evaluation_report(project), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename(project))}"
    return response
