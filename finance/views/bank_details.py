"""Requests from organizations to be paid into another account: finance sees before and after, decides."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.messages import show_errors
from finance import selectors, services
from finance.errors import FinanceError
from finance.forms import DecisionForm
from finance.models import BANK_FIELDS, ChangeState, Tranche, TrancheState

FIELD_LABELS = {"bank_account_name": "户名", "bank_name": "开户行", "bank_account_no": "账号", "bank_code": "联行号"}


@login_required
def bank_changes(request):
    return render(request, "finance/bank_changes.html", {"changes": list(selectors.bank_changes_for(request.user)[:200])})


@login_required
def bank_change(request, pk: int):
    change = selectors.get_bank_change_for(request.user, pk)
    rows = [(FIELD_LABELS[f], change.before.get(f, ""), getattr(change, f)) for f in BANK_FIELDS]
    org = change.organization
    returned = (Tranche.objects.filter(project__organization__in=[org, *org.hosted.all()],
                                       state=TrancheState.RELEASABLE)
                .exclude(failure_reason="").select_related("project").order_by("project__code", "seq"))
    return render(request, "finance/bank_change.html", {
        "change": change, "rows": rows, "form": DecisionForm(), "pending": change.state == ChangeState.PENDING,
        "returned": list(returned),
    })


@login_required
@require_POST
def decide_bank_change(request, pk: int, decision: str):
    change = selectors.get_bank_change_for(request.user, pk)
    if decision not in ("approve", "reject"):
        raise Http404
    try:
        services.decide_bank_detail_change(actor=request.user, change_id=change.pk, approve=decision == "approve",
                                           comment=request.POST.get("comment", ""))
    except FinanceError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("finance:bank_change", pk=change.pk)
