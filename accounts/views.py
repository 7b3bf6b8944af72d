from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ThrottledAuthenticationForm
from accounts.navigation import nav_items
from accounts.throttle import remember_login
from core.pagination import paginate


def home(request):
    """Sends each person to where their work is; the public sees the calls and results."""
    if request.user.is_authenticated:
        items = nav_items(request)["nav_items"]
        if items:
            return redirect(items[0]["url"])
    return redirect("public:index")


@login_required
def notifications(request):
    page = paginate(request, request.user.notifications.select_related("project").all(), 30)
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.mark_read(actor=request.user, notification_ids=ids)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications")


class LoginView(auth_views.LoginView):
    """Django's login with throttling; a locked attempt answers 429 so monitoring can count them. A
    successful login marks the browser as known for that name (exempt from the per-address delay)."""

    authentication_form = ThrottledAuthenticationForm

    def form_valid(self, form):
        response = super().form_valid(form)
        remember_login(self.request, response, form.get_user().get_username())
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked_message:
            response.status_code = 429
        return response


def healthz(request):
    """Liveness probe, and the floor of the load test: Django's full middleware stack, no query."""
    return HttpResponse("ok", content_type="text/plain")
