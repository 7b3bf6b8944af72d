"""Admin for accounts: adding, changing and setting passwords go through accounts.services; accounts
are deactivated, never deleted (audit rows name the people who acted); notifications are read-only."""
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import services, two_factor
from accounts.client import Client
from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import LoginFailure, Notification, SecurityEvent, User
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

    actions = ["reset_second_factor"]

    def save_model(self, request, obj, form, change):
        request._permissions_before = services.permission_names(obj)
        services.save_user(actor=request.user, user=obj, client=Client.of(request))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_permissions_before", None)
        if before is not None:
            services.record_permission_changes(actor=request.user, user=form.instance, before=before,
                                               client=Client.of(request))

    @admin.action(description=_("Reset the second factor (the person enrols again at next login)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            two_factor.remove(actor=request.user, user=user, client=Client.of(request))
        self.message_user(request, gettext("Second factor reset for %(count)d accounts.") % {"count": len(queryset)})

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
                                         password=form.cleaned_data["password1"] if usable else None,
                                         client=Client.of(request))
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
    list_display = ["created", "recipient", "kind", "text", "read", "emailed_at"]
    list_filter = ["kind", "read"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "text", "key"]


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """Append-only: viewed and exported (accounts.audit_views), never changed."""

    list_display = ["at", "kind", "user", "username", "ip_address"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "ip_address", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "at"
    actions = None

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "audit_export_url": reverse("audit_export")}
        return super().changelist_view(request, extra_context)


class LockedFilter(admin.SimpleListFilter):
    title = _("locked")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Locked now"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=timezone.now())
        return queryset


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    """Failed logins per name and address; a running lock is a lockout, lifted with the action."""

    list_display = ["username", "ip_address", "failures", "last_failure", "locked_until"]
    list_filter = [LockedFilter]
    search_fields = ["username", "ip_address"]
    actions = ["reset"]

    @admin.action(description=_("Reset the selected lockouts"))
    def reset(self, request, queryset):
        count = services.reset_lockouts(actor=request.user, ids=queryset.values_list("pk", flat=True),
                                        client=Client.of(request))
        self.message_user(request, gettext("%(count)d lockouts reset.") % {"count": count})
