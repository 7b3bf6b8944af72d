"""Experts' panel pages: the discussion of a disputed project they reviewed (with their revision),
and their seat on a round's oral defense panel."""
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.messages import report_outcome, show_errors
from reviewers import defense, discussion, panel_selectors, selectors
from reviewers.forms import ScoreForm
from reviewers.panel_forms import PostForm, RevisionReasonForm
from reviewers.panel_models import DefenseScore, DiscussionPost


def _score_form(assignment, data=None) -> ScoreForm:
    initial = {f"score_{k}": v for k, v in assignment.scores.items()} | {"comment": assignment.comment}
    return ScoreForm(data, rubric=assignment.project.round.rubric, initial=initial)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def discussion_page(request, pk):
    assignment = panel_selectors.discussion_assignment(request.user, pk)
    project = assignment.project
    action = request.POST.get("action")
    post_form = PostForm(request.POST if action == "post" else None)
    score_form = _score_form(assignment, request.POST if action == "revise" else None)
    reason_form = RevisionReasonForm(request.POST if action == "revise" else None)
    if request.method == "POST":
        if action == "post" and post_form.is_valid():
            if report_outcome(request, lambda: discussion.post(actor=request.user, project_id=project.pk,
                                                               body=post_form.cleaned_data["body"]), done=_("Posted.")):
                return redirect("reviewers:discussion", pk=assignment.pk)
        elif action == "revise" and score_form.is_valid() and reason_form.is_valid():
            rubric = project.round.rubric
            scores = {c["code"]: score_form.cleaned_data[f"score_{c['code']}"] for c in rubric}
            try:
                discussion.revise(actor=request.user, assignment_id=assignment.pk, scores=scores,
                                  comment=score_form.cleaned_data["comment"], reason=reason_form.cleaned_data["reason"],
                                  based_on=_int_or_none(request.POST.get("based_on")))
            except DomainError as exc:
                show_errors(request, exc)
            else:
                messages.success(request, _("Your revised score is saved."))
                return redirect("reviewers:discussion", pk=assignment.pk)
        else:
            messages.error(request, _("Please fill in the form completely."))
    allowed, why = discussion.access(request.user, project)
    open_, window_why = discussion.window_open(project)
    policy = panel_selectors.policy_for(project.round)
    return render(request, "reviewers/panel/discussion.html", {
        "project": project, "title": selectors.redacted_title(project),  # blind rounds name no organization
        "round": project.round, "assignment": assignment, "allowed": allowed, "why": why,
        "officer": False, "show_scores": allowed and policy.peers_see_scores, "policy": policy,
        "panel": panel_selectors.discussion_panel(project) if allowed else [],
        "posts": DiscussionPost.objects.filter(project=project) if allowed else [],
        "form": post_form, "score_form": score_form, "reason_form": reason_form,
        "window_open": open_, "window_why": window_why, "disputed": allowed,
        "based_on": assignment.revisions.count(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def defense_scoring(request, round_id):
    round, seat = panel_selectors.defense_seat(request.user, round_id)
    slots = panel_selectors.defense_slots(round)
    if request.method == "POST":
        slot = next((s for s in slots if str(s.pk) == request.POST.get("slot")), None)
        if slot is None:
            messages.error(request, _("Please fill in the form completely."))
        else:
            report_outcome(request, lambda: defense.enter_score(
                actor=request.user, slot_id=slot.pk, score=request.POST.get("score", ""),
                comment=request.POST.get("comment", "")), done=_("Saved."))
        return redirect("reviewers:defense_scoring", round_id=round.pk)
    mine = {s.slot_id: s for s in DefenseScore.objects.filter(slot__round=round, expert=seat.expert)}
    items = [{"slot": s, "mine": mine.get(s.pk), "conflicted": defense.conflicted(seat.expert, s.project)}
             for s in slots]
    return render(request, "reviewers/panel/defense_scoring.html", {
        "round": round, "seat": seat, "items": items, "max_score": Decimal("100"),
    })
