from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from grants.models import Membership
from projects.selectors import visible_projects


@login_required
def dashboard(request):
    memberships = list(Membership.objects.filter(user=request.user).select_related("organization"))
    projects = (
        visible_projects(request.user)
        .filter(organization__membership__user=request.user)
        .select_related("round", "organization")
        .order_by("-updated_at")
        .distinct()
    )
    notifications = request.user.notifications.filter(read=False)[:5]
    return render(request, "applicant/dashboard.html", {
        "memberships": memberships, "projects": projects, "notifications": notifications,
    })
