"""The admin's shape for rows that change only through services (<app>/services.py).

A subclass routes every write to a service: save_model, save_formset (inlines), delete_model and
delete_queryset (the bulk delete action goes there too). The base refuses the writes a subclass has
not routed, so nothing reaches the database around a service by default.

Django's form and model validation still runs first. A rule only the service knows (permissions, a
rule across rows, a race) raises a DomainError: the whole request is rolled back (the admin's views
run in one transaction) and the same form is shown again, with what the user typed and the Chinese
reasons at its top, instead of a 500.
"""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import HttpResponseRedirect

from core.errors import DomainError

REFUSED = "_refused_by_service"  # request attribute: the reasons of a save the service refused


def _refusing(form_class, reasons: list[str]):
    class Refused(form_class):
        def clean(self):
            super().clean()
            raise ValidationError(reasons)

    return Refused


class ServiceAdmin(admin.ModelAdmin):
    # A subclass that routes delete_model to a service sets this; otherwise nothing is deleted here.
    deletes_through_service = False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            if request.method != "POST" or hasattr(request, REFUSED):
                raise
            # Everything the first pass wrote is rolled back; the second pass fails validation with
            # the service's reasons and renders the posted form.
            setattr(request, REFUSED, exc.errors)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        reasons = getattr(request, REFUSED, None)
        return _refusing(form, reasons) if reasons else form

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, "；".join(exc.errors), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def response_action(self, request, queryset):
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().response_action(request, queryset)
        except DomainError as exc:
            self.message_user(request, "；".join(exc.errors), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # Writes a subclass has not routed through a service are refused, not done directly.

    def save_model(self, request, obj, form, change):
        raise NotImplementedError(f"{type(self).__name__} must save {obj._meta.label} through a service")

    def save_formset(self, request, form, formset, change):
        if any(formset_changes(formset)):  # also records them, as the admin's change message needs
            raise NotImplementedError(f"{type(self).__name__} must save {formset.model._meta.label} through a service")

    def has_delete_permission(self, request, obj=None):
        return self.deletes_through_service and super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        raise NotImplementedError(f"{type(self).__name__} must delete {obj._meta.label} through a service")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


def formset_changes(formset) -> tuple[list, list, list]:
    """(new objects, (object, changed field names) pairs, deleted objects) of a bound, valid inline
    formset, none of them written: the caller hands each to a service."""
    formset.save(commit=False)
    return list(formset.new_objects), list(formset.changed_objects), list(formset.deleted_objects)
