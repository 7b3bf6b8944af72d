"""The organization's account for payments: see it, and ask to change it (finance decides)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.messages import show_errors
from finance import services
from finance.errors import FinanceError
from finance.forms import BankDetailChangeForm
from finance.models import BankDetailChange, ChangeState, Tranche, TrancheState
from grants.models import Membership


@login_required
def bank_details(request):
    membership = Membership.objects.filter(user=request.user).select_related("organization__host").first()
    if membership is None:
        raise Http404
    org = membership.organization
    payee = org.payee
    changes = list(BankDetailChange.objects.filter(organization=payee).select_related("decided_by")[:10])
    pending = next((c for c in changes if c.state == ChangeState.PENDING), None)
    initial = {f: getattr(payee, f) for f in ("bank_account_name", "bank_name", "bank_account_no", "bank_code")}
    form = BankDetailChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_bank_detail_change(actor=request.user, organization_id=org.pk, **form.cleaned_data)
        except FinanceError as exc:
            show_errors(request, exc)
        else:
            messages.success(request, _("Your request has been sent to the finance office."))
            return redirect("applicant:bank_details")
    returned = (Tranche.objects.filter(project__organization=org, state=TrancheState.RELEASABLE)
                .exclude(failure_reason="").select_related("project").order_by("project__code", "seq"))
    return render(request, "applicant/bank_details.html", {
        "org": org, "payee": payee, "through_host": payee.pk != org.pk, "form": form, "pending": pending,
        "changes": changes, "returned": list(returned),
    })
