from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import User

# The admin login is a second door to the same passwords: it is throttled like the site's.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "email", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (("益创", {"fields": ("role", "display_name", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("益创", {"fields": ("role", "display_name")}),)
