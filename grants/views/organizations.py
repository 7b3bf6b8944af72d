"""Organization self-registration, the live credit-code check, and the organization's own page."""
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.ratelimit import rate_limit
from grants import services
from grants.errors import GrantsError
from grants.forms import MemberForm, RegistrationForm
from grants.models import Membership, Organization
from grants.rules import credit_code
from grants.vocabulary import district_names


@rate_limit("register", "20/h", methods=("POST",))
def register(request):
    form = RegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_organization(
                actor=None, organization=form.instance, username=data["username"], password=data["password1"],
                email=data["email"], display_name=data["display_name"], phone=data.get("contact_phone") or "",
                rating_certificate=data.get("rating_certificate_file"),
            )
        except GrantsError as exc:
            for problem in exc.errors:
                form.add_error(None, problem)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your organization is registered. You can now apply to open rounds."))
            return redirect("applicant:dashboard")
    groups = [
        (_("Organization"), "", ["name", "credit_code", "org_type", "host_credit_code", "registration_date", "district",
                                 "address", "contact_name", "contact_phone"]),
        (_("Rating"), "", ["rating", "rating_valid_until", "rating_certificate_file"]),
        (_("Bank account for payments"),
         _("The account name must be exactly the organization's registered name (for a filed community social "
           "organization: the host organization's name)."),
         ["bank_account_name", "bank_name", "bank_account_no", "bank_code"]),
        (_("Your login"), "", ["username", "email", "display_name", "password1", "password2"]),
    ]
    return render(request, "applicant/register.html", {
        "form": form, "districts": district_names(),
        "groups": [(title, note, [form[n] for n in names]) for title, note, names in groups],
    })


@require_GET
@rate_limit("check_credit_code", "60/m", json=True)
def check_credit_code(request):
    """The same check the server runs on submit, answered while the person types."""
    code = credit_code.normalize(request.GET.get("code"))
    problems = credit_code.errors(code)
    if not problems and Organization.objects.filter(credit_code=code).exists():
        problems = ["该统一社会信用代码已注册，请直接登录；如忘记密码可通过邮箱找回"]
    return JsonResponse({"code": code, "ok": not problems, "problems": problems,
                         "kind": credit_code.registration_kind(code) if not problems else None})


def _my_membership(request) -> Membership:
    membership = Membership.objects.filter(user=request.user).select_related("organization").first()
    if membership is None:
        raise Http404
    return membership


@login_required
def organization(request):
    membership = _my_membership(request)
    org = membership.organization
    form = MemberForm(request.POST or None) if membership.is_manager else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_member(actor=request.user, organization=org, username=data["username"],
                                   password=data["password1"], email=data["email"], display_name=data["display_name"])
        except GrantsError as exc:
            for problem in exc.errors:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The member account has been created."))
            return redirect("applicant:organization")
    members = Membership.objects.filter(organization=org).select_related("user").order_by("-is_manager", "user__username")
    return render(request, "applicant/organization.html",
                  {"org": org, "members": members, "form": form, "membership": membership})
