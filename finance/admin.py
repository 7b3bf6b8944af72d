from django.contrib import admin

from finance.models import Clawback, Payment, Tranche


class ReadOnly(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tranche)
class TrancheAdmin(ReadOnly):
    list_display = ["project", "seq", "name", "percent", "amount", "state"]
    list_filter = ["state", "trigger"]
    list_select_related = ["project"]


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ["tranche", "amount", "paid_on", "bank_reference", "recorded_by"]


admin.site.register(Clawback, ReadOnly)
