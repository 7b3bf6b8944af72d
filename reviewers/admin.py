"""Admin: the expert pool may be edited, through reviewers.services; experts are added on the officer's
pool page (which sends the set-password invitation) and deactivated rather than deleted (assignments
name them). Relations, assignments and runs are read-only here because they change only through
reviewers.services (the officer pages record and audit them)."""
from django.contrib import admin

from core.admin import ReadOnlyAdmin
from core.service_admin import ServiceAdmin
from reviewers import services
from reviewers.models import Assignment, AssignmentRun, Expert, ExpertRelation


class RelationInline(admin.TabularInline):
    model = ExpertRelation
    extra = 0
    fields = ["organization", "kind", "start", "end", "note", "recorded_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Expert)
class ExpertAdmin(ServiceAdmin):
    list_display = ["name", "employer", "district", "is_finance", "weight", "active"]
    list_filter = ["is_finance", "district", "active"]
    search_fields = ["name", "employer", "email"]
    readonly_fields = ["user"]
    inlines = [RelationInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.save_expert(actor=request.user, expert=obj)


@admin.register(ExpertRelation)
class ExpertRelationAdmin(ReadOnlyAdmin):
    list_display = ["expert", "organization", "kind", "start", "end"]
    list_filter = ["kind"]
    list_select_related = ["expert", "organization"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["project", "expert", "state", "total", "submitted_at"]
    list_filter = ["state"]
    list_select_related = ["project", "expert"]


@admin.register(AssignmentRun)
class AssignmentRunAdmin(ReadOnlyAdmin):
    list_display = ["round", "seed", "state", "created", "created_at"]
