"""Submit with one summary of every problem; withdraw with a reason."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError
from projects import services
from projects.views.applicant.common import member_project, show_errors
from projects.views.applicant.edit import edit_context


def submit(request, pk: int):
    project = member_project(request, pk)
    if request.method == "POST":
        try:
            services.submit_project(actor=request.user, project_id=project.pk)
        except DomainError as exc:
            show_errors(request, exc)
        else:
            messages.success(request, _("Your application is submitted. It can no longer be edited."))
            return redirect("applicant:project", pk=pk)
        project = member_project(request, pk)
    return render(request, "applicant/submit.html", edit_context(request, project, "submit"))


def withdraw(request, pk: int):
    project = member_project(request, pk)
    if request.method == "POST":
        try:
            services.withdraw_project(actor=request.user, project_id=project.pk, reason=request.POST.get("reason", ""))
        except DomainError as exc:
            show_errors(request, exc)
        else:
            messages.success(request, _("The application is withdrawn."))
            return redirect("applicant:project", pk=pk)
    return render(request, "applicant/withdraw.html", {"project": project})
