"""Admin for organizations and rounds: every save, inline row and deletion goes through grants.services.

Organizations and rounds themselves are never deleted here: projects, payments and the ledger refer
to them. Budget caps live in their round's page, members and credit-list entries in their
organization's page.
"""
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.service_admin import ServiceAdmin, formset_changes
from grants import services
from grants.models import BudgetCap, CreditListEntry, GrantRound, Membership, Organization, WorkingDayOverride


class FixedOnceSavedForm(forms.ModelForm):
    """Fields named in `fixed` are shown but not editable on rows that already exist."""

    fixed: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.fixed:
                if name in self.fields:
                    self.fields[name].disabled = True


class MembershipForm(FixedOnceSavedForm):
    fixed = ("user",)  # another person is another membership: remove this one and add theirs


class CreditListEntryForm(FixedOnceSavedForm):
    fixed = ("organization", "list_type", "listed_on")  # only the removal date and reason change later


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["user"]


class CreditListEntryInline(admin.TabularInline):
    model = CreditListEntry
    form = CreditListEntryForm
    extra = 0


def _save_credit_entries(actor, new, changed, deleted) -> None:
    for entry in new:
        services.record_credit_listing(actor=actor, organization=entry.organization, list_type=entry.list_type,
                                       listed_on=entry.listed_on, removed_on=entry.removed_on, reason=entry.reason)
    for entry, _fields in changed:
        services.end_credit_listing(actor=actor, entry_id=entry.pk, removed_on=entry.removed_on, reason=entry.reason)
    for entry in deleted:
        services.delete_credit_listing(actor=actor, entry_id=entry.pk)


def _save_members(actor, new, changed, deleted) -> None:
    for membership in new:
        services.add_member(actor=actor, organization=membership.organization, user=membership.user,
                            is_manager=membership.is_manager)
    # Promotions before demotions and removals, so handing the manager role over in one save works.
    for membership, _fields in sorted(changed, key=lambda pair: not pair[0].is_manager):
        services.set_manager(actor=actor, membership_id=membership.pk, is_manager=membership.is_manager)
    for membership in deleted:
        services.remove_member(actor=actor, membership_id=membership.pk)


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    list_display = ["name", "credit_code", "org_type", "district", "rating", "host"]
    list_filter = ["org_type", "district", "rating"]
    search_fields = ["name", "credit_code"]
    inlines = [MembershipInline, CreditListEntryInline]
    autocomplete_fields = ["host"]

    def save_model(self, request, obj, form, change):
        services.save_organization(actor=request.user, organization=obj)

    def save_formset(self, request, form, formset, change):
        save = _save_members if formset.model is Membership else _save_credit_entries
        save(request.user, *formset_changes(formset))


class BudgetCapInline(admin.TabularInline):
    model = BudgetCap
    extra = 0


class GrantRoundForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for the change"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required once the round is published; kept in the change history."),
    )

    class Meta:
        model = GrantRound
        # Districts are kept on the round designer's page, through the service.
        fields = [f.name for f in GrantRound._meta.concrete_fields if f.name not in ("id", "created_at", "published_at")]


@admin.register(GrantRound)
class GrantRoundAdmin(ServiceAdmin):
    form = GrantRoundForm
    list_display = ["name", "year", "fund_source", "pot", "apply_start", "apply_end", "published_at"]
    list_filter = ["year", "fund_source"]
    search_fields = ["name", "code"]
    readonly_fields = ["published_at"]
    inlines = [BudgetCapInline]

    def save_model(self, request, obj, form, change):
        services.save_round(actor=request.user, round=obj, reason=form.cleaned_data.get("change_reason", ""))

    def save_formset(self, request, form, formset, change):
        new, changed, deleted = formset_changes(formset)
        reason = form.cleaned_data.get("change_reason", "")
        for cap in new + [cap for cap, _fields in changed]:
            services.save_budget_cap(actor=request.user, cap=cap, reason=reason)
        for cap in deleted:
            services.delete_budget_cap(actor=request.user, cap_id=cap.pk, reason=reason)


@admin.register(CreditListEntry)
class CreditListEntryAdmin(ServiceAdmin):
    """All entries across organizations; new ones are recorded on their organization's page."""

    form = CreditListEntryForm
    list_display = ["organization", "list_type", "listed_on", "removed_on"]
    list_filter = ["list_type"]
    list_select_related = ["organization"]
    deletes_through_service = True

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        _save_credit_entries(request.user, [], [(obj, form.changed_data)], [])

    def delete_model(self, request, obj):
        services.delete_credit_listing(actor=request.user, entry_id=obj.pk)


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(ServiceAdmin):
    """The State Council's holiday notice for years the holidays package does not carry yet."""

    list_display = ["date", "is_working_day", "name", "note", "created_by", "created_at"]
    list_filter = ["is_working_day"]
    readonly_fields = ["created_by", "created_at"]
    deletes_through_service = True

    def save_model(self, request, obj, form, change):
        services.save_working_day_override(actor=request.user, override=obj)

    def delete_model(self, request, obj):
        services.delete_working_day_override(actor=request.user, override_id=obj.pk)
