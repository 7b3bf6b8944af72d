"""The sectioned application form with autosave: every POST saves what it can and reports the rest."""
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from grants.models import RoundQuestion
from grants.vocabulary import district_names
from projects import drafting
from projects.budget_editor import editor_context
from projects.guards import submission_by_section
from projects.lifecycle import EDITABLE
from projects.sections import BY_CODE, SECTIONS, neighbours
from projects.views.applicant.common import member_project


def section_rows(section, project, post=None) -> list[dict]:
    if section.rows == "milestones":
        if post is not None:
            return drafting.columns(post, "m_", ("title", "due_date", "deliverable"))
        return [{"title": m.title, "due_date": m.due_date.isoformat(), "deliverable": m.deliverable}
                for m in project.milestones.all()]
    if section.rows == "indicators":
        if post is not None:
            return drafting.columns(post, "i_", ("name", "unit", "target"))
        return [{"name": i.name, "unit": i.unit, "target": f"{i.target.normalize():f}"} for i in project.indicators.all()]
    if section.rows == "budget":
        if post is not None:
            return drafting.columns(post, "b_", drafting.BUDGET_COLUMNS)
        return [{"category": b.category, "item": b.item, "unit_price": str(b.unit_price),
                 "quantity": f"{b.quantity.normalize():f}", "source": b.source, "explanation": b.explanation}
                for b in project.budget_lines.all()]
    return []


def edit_context(request, project, section_code: str) -> dict:
    """Tabs with a problem count each, so the applicant sees at a glance what is left."""
    problems = submission_by_section(project, timezone.now())
    counts = {}
    for p in problems:
        counts[p.section] = counts.get(p.section, 0) + 1
    before, after = neighbours(section_code) if section_code in BY_CODE else (SECTIONS[-1], None)
    tabs = [{"code": s.code, "label": s.label, "count": counts.get(s.code, 0),
             "url": reverse("applicant:attachments", args=[project.pk]) if s.code == "attachments"
             else reverse("applicant:section", args=[project.pk, s.code])} for s in SECTIONS]
    if RoundQuestion.objects.filter(round_id=project.round_id).exists():
        tabs.insert(len(tabs) - 1, {"code": "questions", "label": _("Additional questions"),
                                     "count": counts.get("questions", 0),
                                     "url": reverse("applicant:questions", args=[project.pk])})
    tabs.append({"code": "submit", "label": _("Submit"), "count": len(problems),
                 "url": reverse("applicant:submit", args=[project.pk])})
    return {
        "project": project, "tabs": tabs, "current": section_code,
        "section_problems": [p for p in problems if p.section == section_code], "all_problems": problems,
        "before": before, "after": after, "editable": project.state in EDITABLE, "districts": district_names(project.round),
    }


def section(request, pk: int, section: str):
    project = member_project(request, pk)
    spec = BY_CODE.get(section)
    if spec is None or spec.code == "attachments":
        raise Http404
    autosave = request.headers.get("X-Autosave") == "1"
    if request.method == "POST":
        if project.state not in EDITABLE:
            message = f"项目当前状态为「{project.state_label}」，申报内容已冻结，不能修改"
            if autosave:
                return JsonResponse({"saved": False, "complete": False, "problems": [message]}, status=409)
            messages.error(request, message)
            return redirect("applicant:section", pk=pk, section=section)
        result = drafting.save_section(actor=request.user, project=project, section=spec, post=request.POST)
        project = member_project(request, pk)
        if autosave:
            payload = {"saved": True, "complete": result.complete, "problems": result.problems,
                       "saved_at": timezone.localtime().strftime("%H:%M:%S")}
            if spec.rows == "budget":
                payload["rules"] = editor_context(project.round, list(project.budget_lines.all()))["problems"]
            return JsonResponse(payload)
        if result.complete:
            messages.success(request, _("Saved."))
            target = request.POST.get("go") or ""
            if target in BY_CODE or target == "submit":
                if target == "submit":
                    return redirect("applicant:submit", pk=pk)
                return redirect("applicant:section", pk=pk, section=target)
            return redirect("applicant:section", pk=pk, section=section)
        form, rows, unsaved = result.form, section_rows(spec, project, request.POST), result.problems
    else:
        form, rows, unsaved = drafting.fields_form(spec, project), section_rows(spec, project), []
    context = edit_context(request, project, section)
    context.update(spec=spec, form=form, rows=rows, unsaved=unsaved,
                   save_url=reverse("applicant:section", args=[pk, section]))
    if spec.rows == "budget":
        context["budget"] = editor_context(project.round, list(project.budget_lines.all()))
    return render(request, "applicant/section.html", context)


def post_budget(request, project, save) -> tuple[list, list[str], bool]:
    """A budget form posted after approval (revision to the approved amount, adjustment request):
    parse the rows, call `save(lines)` and return (rows to show again, problems, saved)."""
    if request.method != "POST":
        return section_rows(BY_CODE["budget"], project), [], False
    lines, problems = drafting.budget_rows(request.POST)
    rows = section_rows(BY_CODE["budget"], project, request.POST)
    if problems:
        return rows, problems, False
    try:
        save(lines)
    except DomainError as exc:
        return rows, exc.errors, False
    return rows, [], True
