"""Officers' panel pages: the round's panel settings, the discussion of a disputed project, the
oral defense (shortlist, schedule, panel), fill-down to the pot, and the round's 评审汇总表."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.messages import report_outcome, show_errors
from documents.published import open_published, ready
from finance.commitments import pot_figures
from reviewers import (
    defense,
    discussion,
    filldown,
    panel_jobs,
    panel_policy,
    panel_selectors,
    round_summary,
    selectors,
    stored_ranking,
)
from reviewers.errors import ReviewError
from reviewers.filldown_rules import CUT
from reviewers.panel_forms import DefenseMemberForm, PanelPolicyForm, PostForm, ScheduleForm
from reviewers.panel_models import DefensePanelMember, DiscussionPost, PanelAudit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


CANDIDATES_PER_PAGE = 100
PROPOSAL_LINES_PER_PAGE = 100


@login_required
@require_http_methods(["GET", "POST"])
def policy(request, pk):
    round = selectors.round_for_officer(request.user, pk)
    current = panel_selectors.policy_for(round)
    form = PanelPolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in panel_policy.FIELDS}
        if report_outcome(request, lambda: panel_policy.save_policy(actor=request.user, round_id=round.pk, values=values),
                          done=_("Saved.")):
            return redirect("reviewers:panel_policy", pk=round.pk)
    return render(request, "reviewers/panel/policy.html", {
        "round": round, "form": form, "audit": PanelAudit.objects.filter(round=round).select_related("actor")[:20],
        "disputed": stored_ranking.disputed(round),
    })


@login_required
@require_http_methods(["GET", "POST"])
def discussion_page(request, round_id, pk):
    project = selectors.project_for_officer(request.user, pk, round_id=round_id)
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and report_outcome(
            request, lambda: discussion.post(actor=request.user, project_id=project.pk, body=form.cleaned_data["body"]),
            done=_("Posted.")):
        return redirect("reviewers:panel_discussion", round_id=round_id, pk=project.pk)
    open_, why = discussion.window_open(project)
    return render(request, "reviewers/panel/discussion.html", {
        "project": project, "title": project.title, "round": project.round, "form": form, "officer": True,
        "show_scores": True,
        "panel": panel_selectors.discussion_panel(project), "window_open": open_, "window_why": why,
        "posts": DiscussionPost.objects.filter(project=project), "policy": panel_selectors.policy_for(project.round),
        "disputed": panel_selectors.disputed(project),
    })


def _defense_action(request, round) -> None:
    action = request.POST.get("action")
    if action == "shortlist":
        created = defense.shortlist(actor=request.user, round_id=round.pk, project_ids=request.POST.getlist("project"))
        messages.success(request, _("%(count)d projects shortlisted.") % {"count": len(created)})
    elif action == "schedule":
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please give a start time and a duration."))
            return
        slot = _slot(round, form.cleaned_data["slot"])
        defense.schedule(actor=request.user, slot_id=slot.pk, starts_at=form.cleaned_data["starts_at"],
                         minutes=form.cleaned_data["minutes"], place=form.cleaned_data["place"])
        messages.success(request, _("Saved."))
    elif action == "unshortlist":
        slot = _slot(round, request.POST.get("slot"))
        defense.remove_from_shortlist(actor=request.user, slot_id=slot.pk, reason=request.POST.get("reason", ""))
        messages.success(request, _("Saved."))
    elif action == "add_member":
        member_form = DefenseMemberForm(request.POST)
        if not member_form.is_valid():
            messages.error(request, _("Please choose an expert."))
            return
        defense.add_panel_member(actor=request.user, round_id=round.pk,
                                 expert_id=member_form.cleaned_data["expert"].pk)
        messages.success(request, _("Saved."))
    elif action == "remove_member":
        member = DefensePanelMember.objects.filter(round=round, pk=_int(request.POST.get("member"))).first()
        if member is None:
            messages.error(request, _("Please choose an expert."))
            return
        defense.remove_panel_member(actor=request.user, member_id=member.pk)
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Please fill in the form completely."))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _slot(round, slot_id):
    from_round = {s.pk: s for s in panel_selectors.defense_slots(round)}
    slot = from_round.get(_int(slot_id))
    if slot is None:
        raise ReviewError("答辩安排不存在")
    return slot


def _back_to(name: str, round, page) -> HttpResponse:
    """Back to the page of the list the officer was on."""
    number = _int(page)
    return redirect(reverse(name, args=[round.pk]) + (f"?page={number}" if number > 1 else ""))


@login_required
@require_http_methods(["GET", "POST"])
def defense_page(request, pk):
    """The shortlisted projects' rows and one page of the candidates (decidable, scored, not
    shortlisted) in rank order: each read through the stored ranking's index, whatever the round's size."""
    round = selectors.round_for_officer(request.user, pk)
    if request.method == "POST":
        try:
            _defense_action(request, round)
        except DomainError as exc:
            show_errors(request, exc)
        return _back_to("reviewers:defense", round, request.POST.get("page"))
    slots = panel_selectors.defense_slots(round)
    shortlisted = [s.project_id for s in slots]
    rows = stored_ranking.rows_of(round, shortlisted)
    candidates = stored_ranking.decidable_page(round, request.GET.get("page"), excluding=shortlisted,
                                               per_page=CANDIDATES_PER_PAGE)
    return render(request, "reviewers/panel/defense.html", {
        "round": round, "policy": panel_selectors.policy_for(round),
        "slots": [(s, rows.get(s.project_id)) for s in slots],
        "candidates": candidates.object_list, "page": candidates,
        "members": DefensePanelMember.objects.filter(round=round).select_related("expert").order_by("expert__name"),
        "member_form": DefenseMemberForm(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def filldown_page(request, pk):
    round = selectors.round_for_officer(request.user, pk)
    money = pot_figures(round)  # pot, committed and left: round_money's figures, from the stored money cells
    policy = panel_selectors.policy_for(round)
    plan = filldown.plan(round, left=money.left, policy=policy)
    if request.method == "POST":
        try:
            done = filldown.confirm(actor=request.user, round_id=round.pk, plan=plan,
                                    shown=request.POST.get("fingerprint", ""), reason=request.POST.get("reason", ""))
        except DomainError as exc:
            show_errors(request, exc)
            return redirect("reviewers:filldown", pk=round.pk)
        messages.success(request, _("%(count)d decisions recorded.") % {"count": len(done)})
        return redirect("reviewers:ranking", pk=round.pk)
    # A national round's proposal has over a thousand lines: the page shows them a page at a time (the
    # confirmation covers the whole proposal, whichever page it is sent from).
    shown = Paginator(plan.proposal.lines, PROPOSAL_LINES_PER_PAGE).get_page(request.GET.get("page"))
    rows = filldown.shown_rows(round, shown.object_list)
    reserve = {line.project_id: n for n, line in enumerate(plan.proposal.reserve, start=1)}
    lines = [(line, rows[line.project_id], reserve.get(line.project_id)) for line in shown.object_list]
    cut = [line for line in plan.proposal.funded if line.kind == CUT]
    return render(request, "reviewers/panel/filldown.html", {
        "round": round, "plan": plan, "lines": lines, "page": shown, "money": money, "policy": policy,
        "funded_count": len(plan.proposal.funded), "reserve_count": len(plan.proposal.reserve),
        "cut": cut[0] if cut else None,
        "passed_over_more": plan.passed_over_count - len(plan.passed_over),
    })


@login_required
@require_http_methods(["GET", "POST"])
def summary_page(request, pk):
    """The first INLINE_LIMIT rows of the 评审汇总表: a larger round's whole file is the background job's."""
    round = selectors.round_for_officer(request.user, pk)
    if request.method == "POST":
        fmt = "pdf" if request.POST.get("format") == "pdf" else "xlsx"
        job = panel_jobs.start(actor=request.user, round_id=round.pk, fmt=fmt).job
        if job is None:  # nothing changed since it was generated: the stored file, no new job
            return redirect("reviewers:round_summary_file", pk=round.pk, fmt=fmt)
        if job.owner_id != request.user.pk:  # another officer's job builds it: its page is theirs
            messages.info(request, _("The summary is already being generated; it can be downloaded on this page "
                                     "when it is ready."))
            return redirect("reviewers:round_summary", pk=round.pk)
        messages.success(request, _("The summary is being generated in the background."))
        return redirect("documents:job_detail", pk=job.pk)
    count = round_summary.count(round)
    return render(request, "reviewers/panel/summary.html", {
        "round": round, "count": count, "large": count > round_summary.INLINE_LIMIT,
        "headers": round_summary.HEADERS, "rows": round_summary.first_rows(round, round_summary.INLINE_LIMIT),
        "stored": {fmt: ready(panel_jobs.key(round.pk, fmt)) for fmt in panel_jobs.FORMATS},
        "generating": [fmt for fmt in panel_jobs.FORMATS if panel_jobs.covering_job(round.pk, fmt) is not None],
    })


@login_required
def summary_file(request, pk, fmt):
    round = selectors.round_for_officer(request.user, pk)
    fmt = "pdf" if fmt == "pdf" else "xlsx"
    stored = ready(panel_jobs.key(round.pk, fmt))
    if stored is not None:  # built by the job for the round as it is now: streamed, never rendered here
        return FileResponse(open_published(stored), as_attachment=True, filename=stored.download_name,
                            content_type="application/pdf" if fmt == "pdf" else XLSX)
    if round_summary.count(round) > round_summary.INLINE_LIMIT:
        messages.info(request, _("This round is large: generate the summary in the background."))
        return redirect("reviewers:round_summary", pk=round.pk)
    summary = round_summary.build(round)
    if fmt == "pdf":
        response = HttpResponse(round_summary.to_pdf(summary), content_type="application/pdf")
    else:
        response = HttpResponse(round_summary.to_xlsx(summary), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="review-summary-{round.code}.{fmt}"'
    return response
