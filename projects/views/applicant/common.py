"""What every applicant page needs: the project, only when the user is one of its organization's members."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.urls import reverse

from core import ajax
from core.messages import show_errors  # noqa: F401  (re-exported: the applicant views import it from here)
from projects.models import Project
from projects.selectors import get_member_project


def member_project(request, pk: int, *, related: tuple[str, ...] = ("round", "organization"),
                   only: tuple[str, ...] = ()) -> Project:
    """404 for missing and not-yours alike; staff who may see the project use the officer pages.
    `related`, `only`: what the page reads with the project (get_project_for)."""
    return get_member_project(request.user, pk, related=related, only=only)


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: forwarded-for headers are typed by the client and would make the record worthless.
    return request.META.get("REMOTE_ADDR") or None


def login_required_or_401(view):
    """login_required for pages, and for the page scripts (autosave) a 401 JSON answer with the code
    "session_expired": the script then says 登录已失效 and keeps the input, instead of reading a
    redirect to the login page as a broken connection."""
    page = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and ajax.wants_json(request):
            return ajax.session_expired(reverse("login"))
        return page(request, *args, **kwargs)

    return wrapper
