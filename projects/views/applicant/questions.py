"""The round's extra questions (grants.RoundQuestion) on the applicant's form: a page of its own,
posted as a whole (file answers cannot be autosaved). Typed answers that are valid are saved, the
others stay on the page with their problem."""
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.models import Role
from core.errors import DomainError
from grants.models import QuestionAnswer, QuestionKind, RoundQuestion
from grants.questions import AnswerForm, field_name
from projects.lifecycle import EDITABLE
from projects.selectors import get_project_for
from projects.services.drafting import answers_of, save_answers
from projects.views.applicant.common import member_project
from projects.views.applicant.edit import edit_context


def questions(request, pk: int):
    project = member_project(request, pk)
    asked = list(RoundQuestion.objects.filter(round_id=project.round_id))
    form = AnswerForm(asked, request.POST or None, request.FILES or None, answers=answers_of(project))
    problems: list[str] = []
    if request.method == "POST":
        if project.state not in EDITABLE:
            messages.error(request, f"项目当前状态为「{project.state_label}」，申报内容已冻结，不能修改")
            return redirect("applicant:questions", pk=pk)
        form.is_valid()
        values = {q.pk: request.POST.get(field_name(q), "") for q in asked if q.kind != QuestionKind.FILE}
        files = {q.pk: request.FILES.get(field_name(q)) for q in asked if q.kind == QuestionKind.FILE}
        try:
            problems = save_answers(actor=request.user, project_id=project.pk, values=values, files=files)
        except DomainError as exc:
            problems = exc.errors
        if not problems:
            messages.success(request, _("Saved."))
            if request.POST.get("go") == "next":
                return redirect("applicant:attachments", pk=pk)
            return redirect("applicant:questions", pk=pk)
        form = AnswerForm(asked, request.POST, answers=answers_of(project))
        form.is_valid()
    context = edit_context(request, project, "questions")
    context.update(form=form, unsaved=problems, save_url=reverse("applicant:questions", args=[pk]))
    return render(request, "applicant/questions.html", context)


def answer_file(request, pk: int, answer_id: int):
    """A file given as an answer, to whoever may see the project (projects.selectors); in a blind
    round experts do not get it (it may name the applicant), like the identifying attachments."""
    project = get_project_for(request.user, pk)
    if request.user.role == Role.EXPERT and project.round.blind_review:
        raise Http404
    answer = QuestionAnswer.objects.filter(pk=answer_id, project=project).exclude(file="").first()
    if answer is None:
        raise Http404
    response = FileResponse(answer.file.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, answer.file_name or "附件") or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
