"""The sectioned application form with autosave: every POST saves what it can and reports the rest."""
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import plain_rows
from core.errors import DomainError
from projects import drafting, services
from projects.budget_editor import draft_problems, editor_context
from projects.edit_conflicts import ROW_COLUMNS, ROW_PREFIX
from projects.guards import round_reads, submission_by_section
from projects.lifecycle import EDITABLE
from projects.sections import BY_CODE, SECTIONS, neighbours
from projects.views.applicant.common import member_project


def section_rows(section, project, post=None, cells=None) -> list[dict]:
    """The rows of the section's row editor: as posted, or as kept with the draft (refused rows
    included, as typed); each carries `errors`, the refused cells and why, so the page marks them."""
    kind = section.rows
    if not kind:
        return []
    rows = drafting.columns(post, ROW_PREFIX[kind], ROW_COLUMNS[kind]) if post is not None else services.stored_rows(project, kind)
    if cells is None:
        cells = {c.index: c.cells for c in drafting.ROW_CHECKS[kind](rows) if c.cells}
    return [{**row, "errors": cells.get(index, {})} for index, row in enumerate(rows, start=1)]


def edit_context(request, project, section_code: str) -> dict:
    """Tabs with a problem count each, so the applicant sees at a glance what is left."""
    # Read once for the checks and the page: the round's questions (the tab) and districts (the form's list).
    reads = round_reads(project.round)
    problems = submission_by_section(project, timezone.now(), reads)
    counts = {}
    for p in problems:
        counts[p.section] = counts.get(p.section, 0) + 1
    before, after = neighbours(section_code) if section_code in BY_CODE else (SECTIONS[-1], None)
    tabs = [{"code": s.code, "label": s.label, "count": counts.get(s.code, 0),
             "url": reverse("applicant:attachments", args=[project.pk]) if s.code == "attachments"
             else reverse("applicant:section", args=[project.pk, s.code])} for s in SECTIONS]
    if reads.questions:
        tabs.insert(len(tabs) - 1, {"code": "questions", "label": _("Additional questions"),
                                     "count": counts.get("questions", 0),
                                     "url": reverse("applicant:questions", args=[project.pk])})
    tabs.append({"code": "submit", "label": _("Submit"), "count": len(problems),
                 "url": reverse("applicant:submit", args=[project.pk])})
    urls = {t["code"]: t["url"] for t in tabs}
    return {
        "before_url": urls.get(before.code, "") if before else "",
        "after_url": urls.get(after.code if after else "submit", ""),
        "project": project, "tabs": tabs, "current": section_code,
        "section_problems": [p for p in problems if p.section == section_code], "all_problems": problems,
        "before": before, "after": after, "editable": project.state in EDITABLE, "districts": reads.offered,
    }


def _read_budget_once(project) -> None:
    """Every page's submission checks read the budget lines and the round's caps; the budget page reads
    the lines three times (its rows, the checks, the editor's totals) and the caps three times (the checks,
    the editor's problems, its labor cap). One plain query each (core.plain_rows), for all of them."""
    plain_rows.prefetch_children(project, "budget_lines")
    plain_rows.prefetch_children(project.round, "budget_caps")


def _conflicts(result) -> list[dict]:
    return [{"key": c.key, "label": c.label, "theirs": c.theirs, "yours": c.yours} for c in result.conflicts]


def _autosave_answer(spec, project, result, before: int) -> JsonResponse:
    """What autosave.js needs: whether everything typed is kept, what was refused (cell by cell), the
    version to send next, and the stored section (its new base) plus the parts changed elsewhere.
    `wrote`: whether this save changed what is stored (the version read before the save moved; a save
    changes the version only when it writes). The page says it restored unsaved input only then, not
    for a copy left in the browser whose text the server already had."""
    payload = {
        "saved": result.saved, "complete": result.complete, "problems": result.problems, "version": result.version,
        "wrote": result.version != before,
        "cells": {kind: {str(i): c for i, c in cells.items()} for kind, cells in result.cells.items()},
        "fields": {name: [str(e) for e in errors] for name, errors in (result.form.errors if result.form else {}).items()},
        "base": drafting.entries(spec, project), "refresh": drafting.entries(spec, project, keys=set(result.refresh)),
        "refresh_keys": result.refresh,
    }
    if result.conflicts:
        payload.update(code="conflict", conflicts=_conflicts(result), theirs={
            c.key: drafting.entries(spec, project, keys={c.key}) for c in result.conflicts})
        return JsonResponse(payload, status=409)
    if result.saved:
        payload["saved_at"] = timezone.localtime().strftime("%H:%M:%S")
        if spec.rows == "budget":
            plain_rows.prefetch_children(project.round, "budget_caps")  # read twice by the rule check
            payload["rules"] = draft_problems(project.round, project.budget_lines.all())
    return JsonResponse(payload, status=200 if result.saved else 400)


# What a save reads with the project: the round only for the sections whose checks use it (the domains
# the round allows, the budget caps), never the organization; the page, with its submission checks,
# reads both. Anything else is still read when used, one query later: this only saves building and
# reading 47 + 19 columns on the 60-odd autosaves a second of deadline day.
SAVE_READS_ROUND = {"basic", "budget"}
PAGE_READS = ("round", "organization")
# The columns of the project a save reads before the service locks and reads it again: the member check,
# the state check, the version to answer with when nothing is saved, and the section's own fields (the
# forms are built on it).
SAVE_COLUMNS = ("organization", "state", "edit_version")
# The round's columns a save reads (SAVE_READS_ROUND): the domains it allows (basic) and what the budget
# rules of the answer read (budget); the caps are read with their own query.
SAVE_ROUND_COLUMNS = ("round__domains", "round__forbidden_expenses", "round__cofunding_min_percent")


def section(request, pk: int, section: str):
    spec = BY_CODE.get(section)
    if spec is None or spec.code == "attachments":
        raise Http404
    if request.method == "POST":
        reads_round = section in SAVE_READS_ROUND
        project = member_project(request, pk, related=("round",) if reads_round else (),
                                 only=(*SAVE_COLUMNS, *spec.fields, *(SAVE_ROUND_COLUMNS if reads_round else ())))
    else:
        project = member_project(request, pk, related=PAGE_READS)
    autosave = request.headers.get("X-Autosave") == "1"
    conflicts: list[dict] = []
    if request.method == "POST":
        if project.state not in EDITABLE:
            message = f"项目当前状态为「{project.state_label}」，申报内容已冻结，不能修改"
            if autosave:
                return JsonResponse({"saved": False, "complete": False, "problems": [message]}, status=409)
            messages.error(request, message)
            return redirect("applicant:section", pk=pk, section=section)
        before = project.edit_version
        result = drafting.save_section(actor=request.user, project=project, section=spec, post=request.POST)
        if autosave and result.project is not None:
            # The saved row (locked, written and read back in the save) is the stored state: no second fetch.
            return _autosave_answer(spec, result.project, result, before)
        project = member_project(request, pk, related=("round",) if autosave else PAGE_READS)
        if autosave:
            return _autosave_answer(spec, project, result, before)
        if result.complete:
            messages.success(request, _("Saved."))
            target = request.POST.get("go") or ""
            if target in BY_CODE or target == "submit":
                if target == "submit":
                    return redirect("applicant:submit", pk=pk)
                if target == "attachments":
                    return redirect("applicant:attachments", pk=pk)
                return redirect("applicant:section", pk=pk, section=target)
            return redirect("applicant:section", pk=pk, section=section)
        form, unsaved, conflicts = result.form, result.problems, _conflicts(result)
        rows = section_rows(spec, project, request.POST, result.cells.get(spec.rows, {}))
        version = result.version
    else:
        _read_budget_once(project)
        form, rows, unsaved = drafting.fields_form(spec, project), section_rows(spec, project), []
        version = project.edit_version
    context = edit_context(request, project, section)
    context.update(spec=spec, form=form, rows=rows, unsaved=unsaved, conflicts=conflicts, version=version,
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
