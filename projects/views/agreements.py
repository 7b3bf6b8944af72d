"""The grant agreement as a PDF for one project, and the page starting a round's batch (projects.jobs).

Their URLs keep the documents namespace and the /jobs/ prefix they always had (config/urls.py)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from core.errors import DomainError
from projects import agreements
from projects.selectors_agreements import get_agreement_project_for, rounds_with_agreements
from projects.services.agreements import start_agreement_batch


class AgreementBatchForm(forms.Form):
    round = forms.ModelChoiceField(label=gettext_lazy("Grant round"), queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = rounds_with_agreements()


@login_required
@require_http_methods(["GET", "POST"])
def new_agreement_batch(request):
    if not request.user.has_role(Role.OFFICER):
        raise PermissionDenied
    form = AgreementBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = start_agreement_batch(actor=request.user, round_id=form.cleaned_data["round"].pk)
        except DomainError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            messages.success(request, _("The agreements are being generated."))
            return redirect("documents:job_detail", pk=job.pk)
    return render(request, "documents/new_agreement_batch.html", {"form": form})


@login_required
@require_GET
def agreement_pdf(request, project_id: int):
    project = get_agreement_project_for(request.user, project_id)
    pdf = agreements.render_agreement(project)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=agreements.filename(project))
    return response
