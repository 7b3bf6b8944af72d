from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import Notification, User

# The admin login is a second door to the same passwords: it is throttled like the site's.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "email", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (("益创", {"fields": ("role", "display_name", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("益创", {"fields": ("role", "display_name")}),)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created", "recipient", "text", "read"]
    list_filter = ["read"]
    list_select_related = ["recipient"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False
