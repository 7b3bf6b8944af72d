"""The audit trails an administrator exports as xlsx by date range: the security log, the projects'
audit trail (projects.ProjectEvent) and the configuration changes made in the admin (LogEntry).

ProjectEvent is looked up by name (apps.get_model) rather than imported: accounts sits below projects
in the layering, and this export only reads rows the way the admin would."""
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import xlsxwriter
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import SecurityEvent
from core.escaping import is_formula_like


@dataclass(frozen=True)
class Trail:
    label: object  # a lazy translation
    headers: list
    rows: Callable[[datetime, datetime], Iterator[list]]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _security_rows(start, end) -> Iterator[list]:
    qs = SecurityEvent.objects.filter(at__gte=start, at__lt=end).select_related("user").order_by("at", "id")
    for e in qs.iterator(chunk_size=2000):
        yield [_when(e.at), str(e.get_kind_display()), e.user.get_username() if e.user else "", e.username,
               e.ip_address, e.user_agent, _json(e.detail)]


def _project_rows(start, end) -> Iterator[list]:
    model = apps.get_model("projects", "ProjectEvent")
    qs = model.objects.filter(at__gte=start, at__lt=end).select_related("actor", "project").order_by("at", "id")
    for e in qs.iterator(chunk_size=2000):
        yield [_when(e.at), e.project_id, str(e.project), e.actor.get_username() if e.actor else "",
               e.action_label, e.from_state, e.to_state, e.comment, _json(e.data)]


def _configuration_rows(start, end) -> Iterator[list]:
    qs = LogEntry.objects.filter(action_time__gte=start, action_time__lt=end).select_related(
        "user", "content_type").order_by("action_time", "id")
    kinds = {1: _("Added"), 2: _("Changed"), 3: _("Deleted")}
    for e in qs.iterator(chunk_size=2000):
        yield [_when(e.action_time), str(getattr(e.user, "username", "")), str(kinds.get(e.action_flag, "")),
               str(getattr(e.content_type, "name", "")), e.object_id or "", e.object_repr,
               e.get_change_message()]


def _json(value) -> str:
    return "" if not value else ", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else str(value)


TRAILS = {
    "security": Trail(_("Security log"), [_("Time"), _("Event"), _("User"), _("User name typed"), _("Address"),
                                          _("Browser"), _("Details")], _security_rows),
    "projects": Trail(_("Project audit trail"), [_("Time"), _("Project ID"), _("Project"), _("User"), _("Action"),
                                                 _("From state"), _("To state"), _("Comment"), _("Details")],
                      _project_rows),
    "configuration": Trail(_("Configuration changes"), [_("Time"), _("User"), _("Action"), _("Kind of record"),
                                                        _("Record ID"), _("Record"), _("Change")],
                           _configuration_rows),
}


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """Whole days in the site's time zone, the last one included."""
    zone = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(first, time.min), zone),
            timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone))


def write_xlsx(trail: Trail, first: date, last: date):
    """A temporary file holding the workbook (rows streamed: constant memory however long the range)."""
    start, end = day_range(first, last)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the FileResponse closes it once sent)
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    text = workbook.add_format({"num_format": "@"})
    quoted = workbook.add_format({"num_format": "@", "quote_prefix": True})
    bold = workbook.add_format({"bold": True})
    ws = workbook.add_worksheet(str(trail.label)[:31])
    for col, title in enumerate(trail.headers):
        ws.write_string(0, col, str(title), bold)
        ws.set_column(col, col, 20)
    count = 0
    for row, values in enumerate(trail.rows(start, end), start=1):
        for col, value in enumerate(values):
            # A string cell is never evaluated: the logged text stays exact (core.escaping).
            cell = "" if value is None else str(value)
            ws.write_string(row, col, cell, quoted if is_formula_like(cell) else text)
        count += 1
    workbook.close()
    out.seek(0)
    return out, count
