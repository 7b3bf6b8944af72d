from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.models import Role
from projects.models import Project
from projects.permissions import member_organizations
from projects.selectors import visible_projects

# What the list shows of each project (and its round's name): the rest of the 33 + 52 columns of the
# wide row is left unread (each column costs CPU to build and read, and this page is on every login).
LIST_COLUMNS = ("title", "code", "version", "state", "requested_amount", "updated_at", "round__name")


@login_required
def dashboard(request):
    organizations = member_organizations(request.user)  # the ids, read once per request
    # An applicant sees exactly the projects of their organizations (as get_member_project decides): no
    # join on memberships, so no duplicate rows to remove with a DISTINCT over every column. Other roles
    # see those of them their role lets them see.
    if request.user.role == Role.APPLICANT:
        projects = Project.objects.filter(organization_id__in=organizations)
    else:
        projects = visible_projects(request.user).filter(organization_id__in=organizations).distinct()
    projects = projects.select_related("round").only(*LIST_COLUMNS).order_by("-updated_at")
    notifications = request.user.notifications.filter(read=False)[:5]
    return render(request, "applicant/dashboard.html", {
        "memberships": organizations, "projects": projects, "notifications": notifications,
    })
