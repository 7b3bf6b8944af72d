"""Admin: money rows are read-only (they change only through finance.services, which keeps the ledger);
bank file formats are configuration, saved and deleted through finance.services too."""
from django.contrib import admin

from core.admin import ReadOnlyAdmin as ReadOnly
from core.service_admin import ServiceAdmin
from finance import services
from finance.models import (
    BankDetailChange,
    BankFormat,
    Batch,
    BatchEvent,
    BatchLine,
    Clawback,
    LedgerEntry,
    Payment,
    PaymentFailure,
    Tranche,
)


@admin.register(Tranche)
class TrancheAdmin(ReadOnly):
    list_display = ["project", "seq", "name", "percent", "amount", "state", "batch"]
    list_filter = ["state", "trigger"]
    list_select_related = ["project", "batch"]


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ["tranche", "amount", "paid_on", "bank_reference", "recorded_by"]
    list_select_related = ["tranche__project", "recorded_by"]


@admin.register(PaymentFailure)
class PaymentFailureAdmin(ReadOnly):
    list_display = ["tranche", "batch", "reason", "recorded_by", "recorded_at"]
    list_select_related = ["tranche__project", "batch", "recorded_by"]


class BatchEventInline(admin.TabularInline):
    model = BatchEvent
    extra = 0
    can_delete = False
    readonly_fields = ["actor", "action", "from_state", "to_state", "comment", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Batch)
class BatchAdmin(ReadOnly):
    list_display = ["number", "round", "state", "prepared_by", "checked_by", "approved_by", "created_at"]
    list_filter = ["state", "round"]
    list_select_related = ["round", "prepared_by", "checked_by", "approved_by"]
    inlines = [BatchEventInline]


@admin.register(BatchLine)
class BatchLineAdmin(ReadOnly):
    """Frozen at 审批: amount and payee account as approved, and the bank's outcome."""

    list_display = ["batch", "seq", "project_code", "tranche_name", "amount", "account_name", "account_no", "status"]
    list_filter = ["status"]
    list_select_related = ["batch"]


@admin.register(BankDetailChange)
class BankDetailChangeAdmin(ReadOnly):
    """Decided on the finance pages (finance.services.decide_bank_detail_change), which audit it."""

    list_display = ["organization", "bank_account_no", "state", "requested_by", "requested_at", "decided_by"]
    list_filter = ["state"]
    list_select_related = ["organization", "requested_by", "decided_by"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnly):
    list_display = ["pk", "occurred_on", "kind", "project", "tranche", "batch", "amount", "actor"]
    list_filter = ["kind", "round"]
    list_select_related = ["project", "tranche", "batch", "actor"]


@admin.register(BankFormat)
class BankFormatAdmin(ServiceAdmin):
    """Configuration, not money: admins describe each bank's batch-transfer columns here."""

    list_display = ["name", "file_format", "encoding"]
    deletes_through_service = True

    def save_model(self, request, obj, form, change):
        services.save_bank_format(actor=request.user, bank_format=obj)

    def delete_model(self, request, obj):
        services.delete_bank_format(actor=request.user, bank_format_id=obj.pk)


admin.site.register(Clawback, ReadOnly)
admin.site.register(BatchEvent, ReadOnly)
