"""Admin: every model listed; transitions go through the services, never by editing `state`."""
from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from core.fsm import Transition
from projects import lifecycle, services
from projects.lifecycle import PROJECT
from projects.models import (
    Attachment,
    BudgetAdjustment,
    BudgetLine,
    Evaluation,
    Expenditure,
    Indicator,
    Milestone,
    MilestoneReminder,
    Project,
    ProjectEvent,
    Report,
)

INPUT_FIELDS = {
    "amount": lambda: forms.CharField(label=_("Amount (yuan)"), required=False),
    "signer_name": lambda: forms.CharField(label=_("Signer name"), required=False),
    "comment": lambda: forms.CharField(label=_("Comment or reason"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 3})),
}


class TransitionForm(forms.Form):
    """The inputs the lifecycle table asks of one transition; the service checks them."""

    def __init__(self, transition: Transition, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in transition.inputs:
            self.fields[name] = INPUT_FIELDS[name]()
        if transition.comment_required and "comment" in self.fields:
            self.fields["comment"].label = f"{self.fields['comment'].label} *"


class EventInline(admin.TabularInline):
    model = ProjectEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "action", "from_state", "to_state", "comment"]
    readonly_fields = fields
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    fields = ["category", "item", "unit_price", "quantity", "amount", "source", "explanation"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "organization", "round", "state", "requested_amount", "approved_amount"]
    list_filter = ["round", "state", "domain"]
    search_fields = ["code", "title", "organization__name"]
    list_select_related = ["organization", "round"]
    readonly_fields = [f.name for f in Project._meta.concrete_fields]
    inlines = [BudgetLineInline, EventInline]
    change_form_template = "admin/projects/project/change_form.html"

    def has_add_permission(self, request):
        return False  # applications are created by organizations through the portal

    def has_delete_permission(self, request, obj=None):
        return False

    def available_transitions(self, request, project) -> list[Transition]:
        return lifecycle.offered(project, request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        project = self.get_object(request, object_id)
        if project is not None:
            extra_context["transitions"] = self.available_transitions(request, project)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path("<int:pk>/transition/<str:name>/", self.admin_site.admin_view(self.transition_view),
                 name="projects_project_transition"),
        ] + super().get_urls()

    def transition_view(self, request, pk: int, name: str):
        project = get_object_or_404(Project, pk=pk)
        if name not in PROJECT or not PROJECT.get(name).manual or not self.has_view_permission(request, project):
            return redirect(reverse("admin:projects_project_change", args=[pk]))
        spec = PROJECT.get(name)
        form = TransitionForm(spec, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.perform_transition(actor=request.user, project_id=pk, name=name, **form.cleaned_data)
            except DomainError as exc:
                for problem in exc.errors:
                    form.add_error(None, problem)
            else:
                messages.success(request, f"已执行「{spec.label}」")
                return redirect(reverse("admin:projects_project_change", args=[pk]))
        return render(request, "admin/projects/project/transition.html", {
            **self.admin_site.each_context(request), "project": project, "spec": spec, "form": form,
            "opts": self.model._meta, "title": spec.label,
        })


@admin.register(ProjectEvent)
class ProjectEventAdmin(admin.ModelAdmin):
    list_display = ["at", "project", "actor", "action", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["project__code", "comment"]
    list_select_related = ["project", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (BudgetLine, Milestone, Indicator, Attachment, Evaluation, Report, Expenditure, BudgetAdjustment):
    admin.site.register(model, ReadOnlyAdmin)


admin.site.register(MilestoneReminder, ReadOnlyAdmin)
