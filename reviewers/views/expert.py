"""The expert's pages: "my reviews", the declaration, and the scoring form (phone first)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.calendar import today
from core.errors import DomainError
from grants.questions import answer_rows
from reviewers import selectors, services, window
from reviewers.forms import DeclarationForm, ScoreForm
from reviewers.models import AssignmentState

A = AssignmentState


@login_required
def my_reviews(request):
    assignments = list(selectors.my_assignments(request.user))
    active = [a for a in assignments if a.state != A.RECUSED]
    done = sum(1 for a in active if a.state == A.SUBMITTED)
    return render(request, "reviewers/my_reviews.html", {
        "assignments": assignments, "done": done, "total": len(active),
        "percent": round(100 * done / len(active)) if active else 0,
    })


def _initial(assignment) -> dict:
    initial = {"comment": assignment.comment}
    for code, value in assignment.scores.items():
        initial[f"score_{code}"] = value
    for code, value in assignment.criterion_comments.items():
        initial[f"note_{code}"] = value
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    assignment = selectors.assignment_for_expert(request.user, pk)
    project, round = assignment.project, assignment.project.round
    if assignment.state == A.ASSIGNED:
        return _declaration(request, assignment)
    form = ScoreForm(request.POST or None, rubric=round.rubric, initial=_initial(assignment))
    problems: list[str] = []
    if request.method == "POST" and assignment.state == A.ACCEPTED and form.is_valid():
        submit = "submit" in request.POST
        call = services.submit_review if submit else services.save_draft
        try:
            call(actor=request.user, assignment_id=assignment.pk, scores=form.scores(),
                 comment=form.cleaned_data["comment"], criterion_comments=form.notes())
        except DomainError as exc:
            problems = exc.errors
        else:
            messages.success(request, _("Your scores were submitted.") if submit else _("Draft saved."))
            return redirect("reviewers:review", pk=assignment.pk)
    return render(request, "reviewers/review.html", {
        "assignment": assignment, "project": project, "round": round, "form": form, "problems": problems,
        "blind": round.blind_review, "locked": assignment.state == A.SUBMITTED,
        "budget_lines": project.budget_lines.all(), "milestones": project.milestones.all(),
        "indicators": project.indicators.all(),
        "answers": answer_rows(round_id=project.round_id, project_id=project.pk),
        "window_closed": window.closed_problem(round.review_end, today()),
    })


def _declaration(request, assignment):
    form = DeclarationForm(request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.declare(actor=request.user, assignment_id=assignment.pk,
                             has_conflict=form.cleaned_data["has_conflict"], note=form.cleaned_data["note"])
        except DomainError as exc:
            problems = exc.errors
        else:
            if form.cleaned_data["has_conflict"]:
                messages.success(request, _("You have been recused from this proposal. Thank you."))
                return redirect("reviewers:my_reviews")
            return redirect("reviewers:review", pk=assignment.pk)
    # Only what the expert needs to judge a conflict: never the proposal itself.
    return render(request, "reviewers/declare.html", {
        "assignment": assignment, "form": form, "problems": problems,
        "blind": assignment.project.round.blind_review,
    })
