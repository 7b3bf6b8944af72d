"""The admin's shape for domain rows: they change only through services, so the admin shows them."""
from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view only: a POST to the change form would save the row around the services

    def has_delete_permission(self, request, obj=None):
        return False
