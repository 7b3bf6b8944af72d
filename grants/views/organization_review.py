"""The program officer's page for the organization record: new registrations to verify, and requests to
change a rating or registration facts (before/after, evidence) to approve or reject."""
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.messages import report_outcome
from grants import organization_services
from grants.models import Organization
from grants.organization_changes import ChangeRequestState, OrganizationChangeRequest
from grants.organization_display import change_rows
from grants.organization_forms import DecisionForm


def _officer(request) -> None:
    if not request.user.has_role(Role.OFFICER):
        raise Http404


@login_required
def review(request):
    _officer(request)
    unverified = (Organization.objects.filter(verification__isnull=True).select_related("host")
                  .order_by("-created_at", "-id")[:200])
    pending = (OrganizationChangeRequest.objects.filter(state=ChangeRequestState.PENDING)
               .select_related("organization", "requested_by").order_by("requested_at"))
    decided = (OrganizationChangeRequest.objects.exclude(state=ChangeRequestState.PENDING)
               .select_related("organization", "decided_by").order_by("-decided_at")[:30])
    return render(request, "grants/organization_review.html", {
        "unverified": unverified, "verification_required": organization_services.verification_required(),
        "pending": [(r, change_rows(r)) for r in pending], "decided": [(r, change_rows(r)) for r in decided],
        "form": DecisionForm(),
    })


@login_required
@require_POST
def verify(request, pk: int):
    _officer(request)
    report_outcome(request, lambda: organization_services.verify_organization(
        actor=request.user, organization_id=pk, comment=request.POST.get("comment", "")),
        done=_("The organization is verified."))
    return redirect("organizations:review")


@login_required
@require_POST
def decide(request, pk: int):
    _officer(request)
    form = DecisionForm(request.POST)
    form.is_valid()
    report_outcome(request, lambda: organization_services.decide_change(
        actor=request.user, request_id=pk, approve=request.POST.get("decision") == "approve",
        comment=form.cleaned_data.get("comment", "")), done=_("The decision has been recorded."))
    return redirect("organizations:review")


@login_required
def evidence(request, pk: int):
    """The evidence of a request: the officers, and the members of the organization that sent it."""
    change = OrganizationChangeRequest.objects.filter(pk=pk).first()
    if change is None:
        raise Http404
    member = change.organization.membership_set.filter(user=request.user).exists()
    if not (member or request.user.has_role(Role.OFFICER)):
        raise Http404
    response = FileResponse(change.evidence.open("rb"), as_attachment=True, filename=change.evidence_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
