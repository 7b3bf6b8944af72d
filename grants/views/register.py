"""The officers' register of organizations: find one, correct its facts, record its credit-list
entries (活动异常名录, 严重违法失信名单), and read the history of these changes. Writes go through
grants.services, which check everything and record before/after (grants.history)."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.errors import DomainError
from core.messages import report_outcome
from core.pagination import paginate
from grants import services
from grants.models import ChangeRecord, CreditListEntry, CreditListType, Organization
from grants.rules import credit_code
from grants.vocabulary import district_names

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EDITABLE = ["name", "credit_code", "org_type", "registration_date", "district", "address", "contact_name",
            "contact_phone", "rating", "rating_valid_until", "bank_account_name", "bank_name", "bank_account_no",
            "bank_code"]


class OrganizationForm(forms.Form):
    host_credit_code = forms.CharField(
        label=gettext_lazy("Host organization's credit code"), required=False,
        help_text=gettext_lazy("Only for a filed community social organization: the registered organization that hosts it and receives payments."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(Organization, fields=EDITABLE, widgets={
            "registration_date": DATE, "rating_valid_until": DATE,
            "district": forms.TextInput(attrs={"list": "districts"}),
        })
        fields["credit_code"].validators = []  # normalized first, then checked by the model's validator
        fields["bank_account_no"].validators = []
        self.fields = {**{name: fields[name] for name in EDITABLE}, "host_credit_code": self.fields["host_credit_code"]}

    def apply(self, org: Organization) -> list[str]:
        """Puts the values on `org`; returns the problems only this form can see (an unknown host)."""
        problems = []
        for name in EDITABLE:
            setattr(org, name, self.cleaned_data.get(name))
        org.credit_code = credit_code.normalize(org.credit_code) or None
        code = credit_code.normalize(self.cleaned_data.get("host_credit_code"))
        if code:
            host = Organization.objects.filter(credit_code=code).exclude(pk=org.pk).first()
            if host is None:
                problems.append("未找到该信用代码对应的已登记社会组织，请核对依托单位的统一社会信用代码")
            org.host = host
        else:
            org.host = None
        return problems


class CreditEntryForm(forms.Form):
    list_type = forms.ChoiceField(label=gettext_lazy("list"), choices=CreditListType.choices)
    listed_on = forms.DateField(label=gettext_lazy("listed on"), widget=DATE)
    removed_on = forms.DateField(label=gettext_lazy("removed on"), required=False, widget=DATE)
    reason = forms.CharField(label=gettext_lazy("reason"), required=False, max_length=200)


def _officer(request) -> None:
    if not request.user.has_role(Role.OFFICER):
        raise Http404


@login_required
def organization_list(request):
    _officer(request)
    query = (request.GET.get("q") or "").strip()
    orgs = Organization.objects.order_by("name", "pk")
    if query:
        orgs = orgs.filter(Q(name__icontains=query) | Q(credit_code__icontains=credit_code.normalize(query) or query))
    return render(request, "grants/register/list.html", {"page": paginate(request, orgs, 50), "query": query})


def _history(org: Organization) -> list[dict]:
    labels = {f.name: str(f.verbose_name) for f in Organization._meta.concrete_fields}
    labels.update({f.name: str(f.verbose_name) for f in CreditListEntry._meta.concrete_fields})
    rows = []
    for record in ChangeRecord.objects.filter(organization=org).select_related("actor"):
        keys = list(dict.fromkeys(list(record.before) + list(record.after)))
        rows.append({"record": record, "changes": [(labels.get(k, k), record.before.get(k, ""), record.after.get(k, ""))
                                                    for k in keys]})
    return rows


@login_required
def organization_detail(request, pk: int):
    _officer(request)
    org = get_object_or_404(Organization, pk=pk)
    initial = {name: getattr(org, name) for name in EDITABLE}
    initial["host_credit_code"] = org.host.credit_code if org.host is not None else ""
    form = OrganizationForm(request.POST or None, initial=initial)
    problems: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            changed = Organization.objects.get(pk=org.pk)
            problems = form.apply(changed)
            if not problems:
                try:
                    services.save_organization(actor=request.user, organization=changed)
                except DomainError as exc:
                    problems = exc.errors
                else:
                    messages.success(request, _("The organization is saved."))
                    return redirect("organizations:detail", pk=org.pk)
        else:
            problems = [_("Please correct the entries marked below; nothing has been saved yet.")]
    return render(request, "grants/register/detail.html", {
        "org": org, "form": form, "problems": problems, "entry_form": CreditEntryForm(),
        "entries": org.credit_entries.all(), "history": _history(org), "districts": district_names(),
    })


@login_required
@require_POST
def add_credit_entry(request, pk: int):
    _officer(request)
    org = get_object_or_404(Organization, pk=pk)
    form = CreditEntryForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = "；".join(str(e) for e in errors)
            messages.error(request, f"{label}：{text}" if label else text)
        return redirect("organizations:detail", pk=org.pk)
    report_outcome(request, lambda: services.record_credit_listing(actor=request.user, organization=org,
                                                                   **form.cleaned_data),
                   done=_("The credit-list entry is recorded."))
    return redirect("organizations:detail", pk=org.pk)


@login_required
@require_POST
def end_credit_entry(request, pk: int, entry_id: int):
    _officer(request)
    entry = CreditListEntry.objects.filter(pk=entry_id, organization_id=pk).first()
    if entry is None:
        messages.error(request, "该名单记录不存在或已删除")
        return redirect("organizations:detail", pk=pk)
    field = forms.DateField(required=False)
    try:
        removed_on = field.clean(request.POST.get("removed_on"))
    except forms.ValidationError:
        messages.error(request, "移出日期格式不正确")
        return redirect("organizations:detail", pk=pk)
    report_outcome(request, lambda: services.end_credit_listing(actor=request.user, entry_id=entry.pk,
                                                                removed_on=removed_on),
                   done=_("The credit-list entry is recorded."))
    return redirect("organizations:detail", pk=pk)


@login_required
@require_POST
def delete_credit_entry(request, pk: int, entry_id: int):
    _officer(request)
    if CreditListEntry.objects.filter(pk=entry_id, organization_id=pk).exists():
        report_outcome(request, lambda: services.delete_credit_listing(actor=request.user, entry_id=entry_id),
                       done=_("The credit-list entry is removed."))
    return redirect("organizations:detail", pk=pk)
