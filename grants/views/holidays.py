"""The official holiday schedule for officers: the days entered over the holidays package, for years
it does not carry yet (the State Council publishes next year's notice each winter) or to correct it.
Writes go through grants.services, which check the role; a year missing from both is refused by the
calendar wherever a period is counted."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from core import calendar
from core.messages import report_outcome
from grants import services
from grants.models import WorkingDayOverride


class OverrideForm(forms.ModelForm):
    class Meta:
        model = WorkingDayOverride
        fields = ["date", "is_working_day", "name", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


def _officer(request) -> None:
    if not request.user.has_role(Role.OFFICER):
        raise Http404


@login_required
def holidays(request):
    _officer(request)
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and report_outcome(
        request, lambda: services.save_working_day_override(actor=request.user, override=form.instance),
        done=_("The day is entered."),
    ):
        return redirect("holidays")
    years = sorted(calendar.LIBRARY_YEARS)
    return render(request, "grants/holidays.html", {
        "form": form,
        "overrides": WorkingDayOverride.objects.select_related("created_by").order_by("-date"),
        "first_year": years[0], "last_year": years[-1],
    })


@login_required
@require_POST
def delete_holiday(request, pk: int):
    _officer(request)
    report_outcome(request, lambda: services.delete_working_day_override(actor=request.user, override_id=pk),
                   done=_("The day is removed."))
    return redirect("holidays")
