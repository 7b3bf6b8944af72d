"""Changing one's own password (every role), and the throttled password-reset request."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts import ratelimit, security, services, two_factor
from accounts.client import Client, client_address
from accounts.errors import AccountsError
from accounts.forms import ChangePasswordForm
from accounts.passwords import password_expired
from accounts.tasks import send_password_reset_after_commit


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


@login_required
def change_password(request):
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.change_own_password(
                actor=request.user, old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"], client=Client.of(request))
        except AccountsError as exc:
            for problem in exc.errors:
                form.add_error(None, problem)
        else:
            update_session_auth_hash(request, user)  # this session stays; the others end
            messages.success(request, _("Your password has been changed."))
            return redirect(_next(request, "home"))
    return render(request, "accounts/password_change.html", {
        "form": form, "rules": form.rules(), "expired": password_expired(request.user),
        "next": _next(request, ""), "otp_enrolled": two_factor.enrolled(request.user),
        "otp_required": two_factor.required_for(request.user),
    })


class PasswordResetView(auth_views.PasswordResetView):
    """Every request gets the same answer (the "sent" page) at about the same speed: known and unknown
    addresses alike queue one background task, and over the limit nothing is queued."""

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        rate = settings.PASSWORD_RESET_RATE
        # Both counters move on every request (a list, not `and`), so the time taken is the same too.
        allowed = all([ratelimit.hit("password_reset_ip", client_address(self.request), rate),
                       ratelimit.hit("password_reset_email", email.strip().lower(), rate)])
        security.record(security.Kind.PASSWORD_RESET_REQUESTED, request=self.request, email=email,
                        throttled=not allowed)
        if allowed:
            send_password_reset_after_commit(email=email, domain=self.request.get_host(),
                                             use_https=self.request.is_secure())
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page; the new password (set by its form, with the same rules) goes to the security log."""

    def form_valid(self, form):
        response = super().form_valid(form)
        security.record(security.Kind.PASSWORD_CHANGED, request=self.request, user=form.user, via="reset link")
        return response
