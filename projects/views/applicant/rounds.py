"""Rounds an organization can apply to, the eligibility pre-check, and starting an application."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import calendar
from core.calendar import day_end, day_start
from core.errors import DomainError
from grants.models import GrantRound, Membership
from projects import services
from projects.eligibility import eligibility_reasons_for
from projects.views.applicant.common import show_errors


def _deadline(r: GrantRound) -> dict:
    return {"round": r, "opens": day_start(r.apply_start), "closes": day_end(r.apply_end)}


@login_required
def round_list(request):
    today = calendar.today()
    rounds = GrantRound.objects.filter(published_at__isnull=False).order_by("apply_end")
    groups = {"open": [], "upcoming": [], "closed": []}
    for r in rounds:
        key = "upcoming" if r.apply_start > today else "closed" if r.apply_end < today else "open"
        groups[key].append(_deadline(r))
    groups["closed"].reverse()
    return render(request, "applicant/rounds.html", groups)


def _my_organizations(user):
    memberships = Membership.objects.filter(user=user).select_related("organization")
    return [m.organization for m in memberships]


@login_required
def round_detail(request, round_id: int):
    """The pre-check: every reason each of the user's organizations cannot apply, before it starts."""
    r = get_object_or_404(GrantRound, pk=round_id, published_at__isnull=False)
    organizations = _my_organizations(request.user)
    if not organizations:
        raise Http404
    today = calendar.today()
    is_open = r.apply_start <= today <= r.apply_end
    checks = [{"organization": org, "reasons": eligibility_reasons_for(org, r, today=today)} for org in organizations]
    return render(request, "applicant/round_detail.html", {
        **_deadline(r), "checks": checks, "is_open": is_open, "today": today,
    })


@login_required
@require_POST
def start(request, round_id: int):
    """The service checks the window, the organization's eligibility and the per-organization limit."""
    r = get_object_or_404(GrantRound, pk=round_id)
    organization = next((o for o in _my_organizations(request.user) if str(o.pk) == request.POST.get("organization")),
                        None)
    if organization is None:
        raise Http404
    try:
        project = services.create_project(actor=request.user, round=r, organization=organization,
                                          title=request.POST.get("title", "").strip() or "未命名项目")
    except DomainError as exc:
        show_errors(request, exc)
        return redirect("applicant:round", round_id=r.pk)
    messages.success(request, _("Your application is started. Everything you type is saved as a draft."))
    return redirect("applicant:section", pk=project.pk, section="basic")
