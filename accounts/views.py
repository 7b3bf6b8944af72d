from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import ThrottledAuthenticationForm
from accounts.navigation import nav_items
from accounts.queues import has_queue, queue_for
from accounts.throttle import remember_login
from core.pagination import paginate


def home(request):
    """Each person's to-do list (accounts.queues) with their newest unread notifications; a role with
    no queue goes to its first menu entry; the public sees the calls and results."""
    if request.user.is_authenticated:
        if has_queue(request.user):
            # Stable: overdue work first, then the rest that waits, then what is empty, in registered order.
            items = sorted(queue_for(request.user), key=lambda i: 0 if i.urgent and i.count else 1 if i.count else 2)
            unread = request.user.notifications.filter(read=False).select_related("project")
            return render(request, "accounts/home.html", {
                "items": items, "open_total": sum(i.count for i in items),
                "unread": unread[:5], "unread_count": unread.count(),
            })
        items = nav_items(request)["nav_items"]
        if items:
            return redirect(items[0]["url"])
    return redirect("public:index")


class PreferencesForm(forms.Form):
    email_digest = forms.TypedChoiceField(
        label=_("E-mail about notifications"), widget=forms.RadioSelect, coerce=lambda v: v == "digest",
        choices=[("each", _("One e-mail for each notification")), ("digest", _("One digest e-mail a day"))],
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    form = PreferencesForm(request.POST or None,
                           initial={"email_digest": "digest" if request.user.email_digest else "each"})
    if request.method == "POST" and form.is_valid():
        services.set_notification_preferences(actor=request.user, email_digest=form.cleaned_data["email_digest"])
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notification_preferences")
    return render(request, "accounts/notification_preferences.html", {"form": form})


@login_required
def notifications(request):
    page = paginate(request, request.user.notifications.select_related("project").all(), 30)
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdecimal()] or None
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
