"""Admin for accounts: adding, changing and setting passwords go through accounts.services; accounts
are deactivated, never deleted (audit rows name the people who acted); notifications are read-only."""
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext

from accounts import services
from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import Notification, User
from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from core.service_admin import ServiceAdmin

# The admin login is a second door to the same passwords: it is throttled like the site's.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class UserAdmin(ServiceAdmin, BaseUserAdmin):
    list_display = ["username", "display_name", "role", "email", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (("益创", {"fields": ("role", "display_name", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("益创", {"fields": ("role", "display_name")}),)

    def save_model(self, request, obj, form, change):
        services.save_user(actor=request.user, user=obj)

    def user_change_password(self, request, id, form_url=""):
        """Django's page, with the valid POST handed to services.set_password instead of form.save()."""
        user = self.get_object(request, unquote(id))
        if request.method != "POST" or user is None or not self.has_change_permission(request, user):
            return super().user_change_password(request, id, form_url)
        form = self.change_password_form(user, request.POST)
        if not form.is_valid():
            return super().user_change_password(request, id, form_url)  # renders the form's errors
        usable = form.cleaned_data["set_usable_password"]
        if not usable and "unset-password" not in request.POST:
            messages.error(request, gettext("Conflicting form data submitted. Please try again."))
            return HttpResponseRedirect(request.get_full_path())
        try:
            user = services.set_password(actor=request.user, user_id=user.pk,
                                         password=form.cleaned_data["password1"] if usable else None)
        except DomainError as exc:
            messages.error(request, "；".join(exc.errors))
            return HttpResponseRedirect(request.get_full_path())
        self.log_change(request, user, self.construct_change_message(request, form, []))
        messages.success(request, gettext("Password changed successfully.") if usable
                         else gettext("Password-based authentication was disabled."))
        update_session_auth_hash(request, user)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:accounts_user_change", args=[user.pk]))


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created", "recipient", "text", "read"]
    list_filter = ["read"]
    list_select_related = ["recipient"]
