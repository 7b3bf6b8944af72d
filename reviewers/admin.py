from django.contrib import admin

from reviewers.models import Assignment, Expert, ExpertRelation


class RelationInline(admin.TabularInline):
    model = ExpertRelation
    extra = 0


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["name", "employer", "district", "is_finance", "active"]
    list_filter = ["is_finance", "district", "active"]
    search_fields = ["name", "employer"]
    inlines = [RelationInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["project", "expert", "state", "total", "submitted_at"]
    list_filter = ["state"]
    list_select_related = ["project", "expert"]
    readonly_fields = ["project", "expert", "state", "scores", "total", "comment", "declared_at", "submitted_at"]

    def has_add_permission(self, request):
        return False


admin.site.register(ExpertRelation)
