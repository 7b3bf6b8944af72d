"""The administrator's page for exporting audit trails as xlsx by date range."""
from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import security
from accounts.audit_export import TRAILS, write_xlsx

MAX_DAYS = 366


class ExportForm(forms.Form):
    trail = forms.ChoiceField(label=_("Audit trail"), choices=[(k, t.label) for k, t in TRAILS.items()])
    first = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last:
            if last < first:
                raise forms.ValidationError("结束日期不能早于开始日期")
            if (last - first).days >= MAX_DAYS:
                raise forms.ValidationError(f"一次最多导出 {MAX_DAYS} 天，请分段导出")
        return data


def export(request):
    if not (request.user.is_authenticated and request.user.is_admin):
        raise PermissionDenied
    today = timezone.localdate()
    form = ExportForm(request.GET or None, initial={"trail": "security", "first": today - timedelta(days=30),
                                                     "last": today})
    if request.GET and form.is_valid():
        key, first, last = form.cleaned_data["trail"], form.cleaned_data["first"], form.cleaned_data["last"]
        out, count = write_xlsx(TRAILS[key], first, last)
        security.record(security.Kind.AUDIT_EXPORTED, request=request, trail=key, first=first.isoformat(),
                        last=last.isoformat(), rows=count)
        response = FileResponse(out, as_attachment=True, filename=f"audit-{key}-{first:%Y%m%d}-{last:%Y%m%d}.xlsx",
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "accounts/audit_export.html", {"form": form})
