"""The sections of the application form, in order: one page each, so a phone shows one at a time."""
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    code: str
    label: str | Promise
    fields: tuple[str, ...] = ()  # Project fields edited on the page
    rows: str = ""  # "milestones" | "indicators" | "budget": a row editor on the page


SECTIONS = (
    Section("basic", _("Basic information"), ("title", "domain", "summary", "government_funded")),
    Section("need", _("Need and beneficiaries"), ("need_analysis", "target_group", "beneficiaries")),
    Section("area", _("Service area"), ("service_district", "service_street")),
    Section("plan", _("Activity plan and milestones"), ("activity_plan",), rows="milestones"),
    Section("indicators", _("Indicators"), rows="indicators"),
    Section("team", _("Team"), ("team",)),
    Section("budget", _("Budget"), rows="budget"),
    Section("attachments", _("Attachments")),
)
BY_CODE = {s.code: s for s in SECTIONS}


def neighbours(code: str) -> tuple[Section | None, Section | None]:
    index = [s.code for s in SECTIONS].index(code)
    before = SECTIONS[index - 1] if index > 0 else None
    after = SECTIONS[index + 1] if index + 1 < len(SECTIONS) else None
    return before, after
