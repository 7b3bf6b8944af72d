"""Officer records beside the lifecycle, posted from the project's detail page: a corrected 公示 end date
and the officer's own finding on government funding. The services check role, state and dates; these
views only read the form and report the outcome."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.messages import report_outcome
from projects import services
from projects.selectors import get_project_for


class PublicityEndForm(forms.Form):
    new_end = forms.DateField(label=gettext_lazy("New end date"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=1000)


class GovernmentFundingForm(forms.Form):
    funded = forms.TypedChoiceField(
        label=gettext_lazy("Already funded by government"), coerce=lambda v: v == "yes",
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
    )
    note = forms.CharField(label=gettext_lazy("Basis of the finding"), max_length=1000, required=False)


def _officer_project(request, pk: int):
    if not request.user.has_role(Role.OFFICER):
        raise Http404
    return get_project_for(request.user, pk)


def _form_errors(request, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


@login_required
@require_POST
def correct_publicity_end(request, pk: int):
    project = _officer_project(request, pk)
    form = PublicityEndForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        report_outcome(request, lambda: services.correct_publicity_end(
            actor=request.user, project_id=project.pk, new_end=form.cleaned_data["new_end"],
            reason=form.cleaned_data["reason"]), done=_("The public notice end date is corrected."))
    return redirect("projects:officer_detail", pk=project.pk)


@login_required
@require_POST
def government_funding_check(request, pk: int):
    project = _officer_project(request, pk)
    form = GovernmentFundingForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        report_outcome(request, lambda: services.record_government_funding_check(
            actor=request.user, project_id=project.pk, funded=form.cleaned_data["funded"],
            note=form.cleaned_data["note"]), done=_("The government funding finding is recorded."))
    return redirect("projects:officer_detail", pk=project.pk)
