"""Organization self-registration, the live credit-code check, and the organization's own page."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.ratelimit import rate_limit
from grants import organization_services, services
from grants.errors import GrantsError
from grants.forms import MemberForm, RegistrationForm
from grants.models import Membership, Organization
from grants.organization_changes import ChangeRequestState, OrganizationChangeRequest
from grants.organization_display import change_rows, history_rows
from grants.organization_forms import ContactForm, RatingChangeForm, RegistrationChangeForm
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
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            if organization_services.verification_required():
                messages.success(request, _("Your organization is registered. You can prepare applications now; "
                                            "a program officer verifies the registration before you can submit."))
            else:
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
        "form": form, "districts": district_names(), "verification_required": organization_services.verification_required(),
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


ACTIONS = ("contact", "rating", "registration", "member")


def _forms(request, org: Organization, membership: Membership, action: str) -> dict:
    """Only the submitted form is bound; the others show the record as it stands."""
    post = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    contact_initial = {f: getattr(org, f) for f in organization_services.CONTACT_FIELDS}
    return {
        "contact": ContactForm(post if action == "contact" else None, initial=contact_initial, prefix="contact"),
        "rating": RatingChangeForm(post if action == "rating" else None, files if action == "rating" else None,
                                   initial={"rating": org.rating, "rating_valid_until": org.rating_valid_until},
                                   prefix="rating"),
        "registration": RegistrationChangeForm(
            post if action == "registration" else None, files if action == "registration" else None,
            initial={"credit_code": org.credit_code, "org_type": org.org_type,
                     "registration_date": org.registration_date, "district": org.district},
            prefix="registration"),
        "member": (MemberForm(post if action == "member" else None, prefix="member")
                   if membership.is_manager else None),
    }


def _save(request, org: Organization, action: str, form) -> None:
    """Raises GrantsError with every reason; the caller shows them on the form."""
    data = form.cleaned_data
    if action == "contact":
        organization_services.update_contact(actor=request.user, organization_id=org.pk, address=data["address"],
                                             contact_name=data["contact_name"], contact_phone=data["contact_phone"])
        messages.success(request, _("The contact details have been saved."))
    elif action in ("rating", "registration"):
        organization_services.request_change(actor=request.user, organization_id=org.pk, kind=action,
                                             values=form.values(), reason=data["reason"], evidence=data["evidence"])
        messages.success(request, _("Your request has been sent to the program officer."))
    else:
        services.create_member(actor=request.user, organization=org, username=data["username"],
                               password=data["password1"], email=data["email"], display_name=data["display_name"])
        messages.success(request, _("The member account has been created."))


@login_required
def organization(request):
    membership = _my_membership(request)
    org = membership.organization
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = _forms(request, org, membership, action)
    if request.method == "POST":
        form = forms.get(action) if action in ACTIONS else None
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                _save(request, org, action, form)
            except GrantsError as exc:
                for problem in exc.errors:
                    form.add_error(None, problem)
            else:
                return redirect("applicant:organization")
    members = Membership.objects.filter(organization=org).select_related("user").order_by("-is_manager", "user__username")
    requests = OrganizationChangeRequest.objects.filter(organization=org).select_related("decided_by")[:20]
    return render(request, "applicant/organization.html", {
        "org": org, "members": members, "membership": membership, "forms": forms, "open_form": action,
        "requests": [(r, change_rows(r)) for r in requests],
        "pending_kinds": {r.kind for r in requests if r.state == ChangeRequestState.PENDING},
        "verification_required": organization_services.verification_required(),
        "verified": organization_services.is_verified(org.pk),
        "history": history_rows(org.events.select_related("actor")[:15]),
    })
