from django.contrib import admin

from core.admin import ReadOnlyAdmin as ReadOnly
from documents.models import Job, JobEvent


@admin.register(Job)
class JobAdmin(ReadOnly):
    list_display = ["pk", "kind", "owner", "state", "progress_done", "progress_total", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["owner"]


admin.site.register(JobEvent, ReadOnly)
