from django.contrib import admin

from documents.models import Job, JobEvent


class ReadOnly(admin.ModelAdmin):
    """Jobs change only through documents.services and the worker."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(ReadOnly):
    list_display = ["pk", "kind", "owner", "state", "progress_done", "progress_total", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["owner"]


admin.site.register(JobEvent, ReadOnly)
