from django.contrib import admin, messages

from core.errors import DomainError
from grants import services
from grants.models import BudgetCap, CreditListEntry, GrantRound, Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class CreditListEntryInline(admin.TabularInline):
    model = CreditListEntry
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "org_type", "district", "rating", "host"]
    list_filter = ["org_type", "district", "rating"]
    search_fields = ["name", "credit_code"]
    inlines = [MembershipInline, CreditListEntryInline]
    autocomplete_fields = ["host"]

    def save_model(self, request, obj, form, change):
        services.save_organization(actor=request.user, organization=obj)


class BudgetCapInline(admin.TabularInline):
    model = BudgetCap
    extra = 0


@admin.register(GrantRound)
class GrantRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "fund_source", "pot", "apply_start", "apply_end"]
    list_filter = ["year", "fund_source"]
    search_fields = ["name", "code"]
    inlines = [BudgetCapInline]

    def save_model(self, request, obj, form, change):
        try:
            services.save_round(actor=request.user, round=obj)
        except DomainError as exc:
            messages.error(request, exc.message)
            raise


@admin.register(CreditListEntry)
class CreditListEntryAdmin(admin.ModelAdmin):
    list_display = ["organization", "list_type", "listed_on", "removed_on"]
    list_filter = ["list_type"]
    list_select_related = ["organization"]


admin.site.register(BudgetCap)
admin.site.register(Membership)
