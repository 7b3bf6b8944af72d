"""Second-factor pages: enrol (QR code drawn on the server, the secret as text, then the recovery codes
shown once), verify at each login, renew the recovery codes."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import two_factor
from accounts.client import Client
from accounts.errors import AccountsError
from accounts.forms import TokenForm


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


@login_required
def enrol(request):
    if two_factor.enrolled(request.user) and not request.user.is_verified():
        return redirect("two_factor_verify")  # replacing an authenticator needs the current one first
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.confirm_enrolment(actor=request.user, token=form.cleaned_data["token"],
                                                         client=Client.of(request))
        except AccountsError as exc:
            for problem in exc.errors:
                form.add_error(None, problem)
        else:
            otp_login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)})
    device = two_factor.pending_device(actor=request.user)
    return render(request, "accounts/two_factor_enrol.html", {
        "form": form, "qr": two_factor.qr_svg(device), "secret": two_factor.secret_text(device),
        "required": two_factor.required_for(request.user), "next": _next(request),
    })


@login_required
def verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify(actor=request.user, token=form.cleaned_data["token"], client=Client.of(request))
        except AccountsError as exc:
            for problem in exc.errors:
                form.add_error(None, problem)
        else:
            otp_login(request, device)
            return redirect(_next(request) or "home")
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next(request)})


@login_required
@require_POST
def renew_recovery_codes(request):
    if not request.user.is_verified():
        return redirect("two_factor_verify")
    try:
        codes = two_factor.regenerate_recovery_codes(actor=request.user, client=Client.of(request))
    except AccountsError as exc:
        messages.error(request, "；".join(exc.errors))
        return redirect("password_change")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": ""})

