"""The expert's pages: "my reviews", the conflict declaration on a round's applicant list, the
per-assignment declaration, the scoring form (phone first) and the proposal's files."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core import plain_rows
from core.calendar import today
from core.errors import DomainError
from core.links import pk_url
from grants.questions import answer_rows
from projects.models import BudgetLine, Category, Source
from reviewers import review_files, selectors, services, steering, window
from reviewers.errors import StaleReview
from reviewers.forms import DeclarationForm, RoundConflictForm, ScoreForm
from reviewers.models import AssignmentState, Expert

A = AssignmentState


@login_required
def my_reviews(request):
    rows = selectors.my_review_rows(request.user)
    # What each row shows, worked out once per state and per round rather than by the template per row.
    labels = {value: str(label) for value, label in A.choices}
    deadlines: dict[int, str] = {}
    review_url, discussion_url = pk_url("reviewers:review"), pk_url("reviewers:discussion")
    for row in rows:
        row["state_label"] = labels.get(row["state"], row["state"])
        if row["round_id"] not in deadlines:
            deadlines[row["round_id"]] = date_filter(row["review_end"], "Y-m-d") or "—"
        row["deadline"] = deadlines[row["round_id"]]
        row["id"] = str(row["pk"])  # as text: an int in a template goes through number localization at each use
        row["url"] = review_url(row["pk"])
        if row["state"] == A.SUBMITTED:
            row["discussion_url"] = discussion_url(row["pk"])
    active = [r for r in rows if r["state"] != A.RECUSED]
    done = sum(1 for r in active if r["state"] == A.SUBMITTED)
    expert = Expert.objects.filter(user=request.user).first() if request.user.role == "expert" else None
    declarations = []
    if expert is not None:
        declared = dict(expert.round_declarations.values_list("round_id", "declared_at"))
        declarations = [{"round": r, "declared_at": declared.get(r.pk)}
                        for r in selectors.declarable_rounds().only("pk", "name")]
    return render(request, "reviewers/my_reviews.html", {
        "rows": rows, "done": done, "total": len(active),
        "percent": round(100 * done / len(active)) if active else 0, "declarations": declarations,
    })


@login_required
@require_http_methods(["GET", "POST"])
def round_conflicts(request, round_id):
    """The round's list of applicant organizations, names shown even in a blind round: that is what
    makes the declaration meaningful."""
    round = selectors.round_for_expert(request.user, round_id)
    expert = Expert.objects.get(user=request.user)
    organizations = list(steering.applicant_organizations(round.pk))
    declaration = steering.declaration_of(expert, round.pk)
    declared = set(declaration.organizations.values_list("id", flat=True)) if declaration else set()
    form = RoundConflictForm(request.POST or None, organizations=organizations, declared=declared)
    if request.method == "POST" and form.is_valid():
        try:
            steering.declare_round_conflicts(actor=request.user, round_id=round.pk,
                                             organization_ids=form.cleaned_data["organizations"],
                                             note=form.cleaned_data["note"])
        except DomainError as exc:
            for e in exc.errors:
                form.add_error(None, e)
        else:
            messages.success(request, _("Your declaration is recorded."))
            return redirect("reviewers:my_reviews")
    return render(request, "reviewers/round_conflicts.html", {
        "round": round, "form": form, "declaration": declaration, "declared": declared,
        "organizations": organizations,
    })


def _initial(assignment) -> dict:
    initial = {"comment": assignment.comment, "version": assignment.version}
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
    stale = False
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        call = services.submit_review if submit else services.save_draft
        try:
            call(actor=request.user, assignment_id=assignment.pk, scores=form.scores(),
                 comment=form.cleaned_data["comment"], criterion_comments=form.notes(),
                 expected_version=form.cleaned_data["version"])
        except StaleReview as exc:
            # Nothing of this page was kept: show what is stored, never the refused input.
            problems, stale = exc.errors, True
            assignment.refresh_from_db()
            form = ScoreForm(rubric=round.rubric, initial=_initial(assignment))
        except DomainError as exc:
            problems = exc.errors
        else:
            messages.success(request, _("Your scores were submitted.") if submit else _("Draft saved."))
            return redirect("reviewers:review", pk=assignment.pk)
    names = selectors.review_names(project)
    files, withheld = review_files.offered_files(project, blind=round.blind_review, names=names)
    for rows in ("budget_lines", "milestones", "indicators"):  # the proposal's rows: plain queries, as the ORM's
        plain_rows.prefetch_children(project, rows)
    return render(request, "reviewers/review.html", {
        "assignment": assignment, "project": project, "round": round, "form": form, "problems": problems,
        "stale": stale, "blind": round.blind_review, "names": names, "locked": assignment.state == A.SUBMITTED,
        "budget_lines": _budget_lines(project), "milestones": project.milestones.all(),
        "indicators": project.indicators.all(), "files": files, "withheld": withheld,
        "answers": answer_rows(round_id=project.round_id, project_id=project.pk),
        "window_closed": window.closed_problem(round.review_end, today()),
    })


def _budget_lines(project) -> list[BudgetLine]:
    """The proposal's budget lines with their category and source names (`category_label`,
    `source_label`), as get_category_display() and get_source_display() give them: those build the
    field's choices into a new dict, translating every label, on each call (twice a line)."""
    categories = {code: str(label) for code, label in Category.choices}
    sources = {code: str(label) for code, label in Source.choices}
    lines = list(project.budget_lines.all())  # read by review() through core.plain_rows
    for line in lines:
        line.category_label = categories.get(line.category, line.category)
        line.source_label = sources.get(line.source, line.source)
    return lines


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
    project = assignment.project
    expert = assignment.expert
    # Only what the expert needs to judge a conflict: never the proposal itself.
    return render(request, "reviewers/declare.html", {
        "assignment": assignment, "form": form, "problems": problems, "blind": project.round.blind_review,
        "names": selectors.review_names(project), "round_declaration": steering.declaration_of(expert, project.round_id),
    })


@login_required
@require_GET
def review_file(request, pk, number):
    """One of the proposal's files, for the assigned expert only, under its neutral name; PDFs and
    images open in the browser. In a blind round the copy has no document metadata."""
    assignment = selectors.assignment_for_files(request.user, pk)
    project = assignment.project
    blind = project.round.blind_review
    files, _withheld = review_files.offered_files(project, blind=blind, names=selectors.review_names(project))
    offered = next((f for f in files if f.number == number), None)
    if offered is None:
        raise Http404
    attachment = offered.attachment
    try:
        data = review_files.cleaned_bytes(attachment) if blind else review_files.original_bytes(attachment)
    except (ValueError, OSError):
        raise Http404 from None
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(not offered.inline, offered.name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
