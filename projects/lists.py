"""The staff project list as data: its filters, its columns (and how each sorts), and the rows of its
export. The page and the xlsx file both come from `filtered`, so the export is exactly the list."""
from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.links import pk_url
from core.listing import Column, Sorting, rank
from grants.models import GrantRound
from projects.models import Project, display_title
from projects.selectors import visible_projects
from projects.states import State


def _choices(field: str) -> list[tuple[str, str]]:
    return [("", _("All")), *(getattr(Project._meta.get_field(field), "choices", None) or [])]


class _PlainChoices(ModelChoiceIterator):
    """The options from one ordinary query: Django's iterator() is a server-side cursor on PostgreSQL
    (DECLARE, FETCH, CLOSE) for what is a handful of rounds."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class _RoundChoiceField(forms.ModelChoiceField):
    iterator = _PlainChoices


class ProjectFilter(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Title, project number or organization")}))
    # An option shows the round's name (GrantRound.__str__): its other 40-odd columns are not read.
    round = _RoundChoiceField(GrantRound.objects.only("id", "name"), required=False, label=_("Round"))
    state = forms.ChoiceField(choices=[("", _("All")), *State.choices], required=False, label=_("State"))
    domain = forms.ChoiceField(choices=(), required=False, label=_("Service domain"))
    district = forms.CharField(required=False, label=_("Service district"), max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["domain"]).choices = _choices("domain")


COLUMNS = [
    Column("code", _("Project number"), ("code",)),
    Column("title", _("Project"), ("title",)),
    Column("organization", _("Organization"), ("organization__name",)),
    Column("round", _("Round"), ("round__year", "round__name")),
    Column("state", _("Status"), (rank("state", State.values),)),
    Column("requested", _("Requested"), ("requested_amount",), css="num"),
    Column("approved", _("Approved"), ("approved_amount",), css="num"),
    Column("submitted", _("Submitted"), ("submitted_at",)),
]
# Newest submission first; drafts (never submitted) last, on SQLite and PostgreSQL alike.
SORTING = Sorting(COLUMNS, default="-submitted", tiebreak="id")


def filtered(user, form: ProjectFilter, sort: str | None) -> QuerySet[Project]:
    projects = visible_projects(user).select_related("round", "organization").only(
        "code", "title", "state", "requested_amount", "approved_amount", "version", "submitted_at", "domain",
        "service_district", "round__name", "round__year", "organization__name", "organization__credit_code",
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["round"]:
            projects = projects.filter(round=data["round"])
        if data["state"]:
            projects = projects.filter(state=data["state"])
        if data["domain"]:
            projects = projects.filter(domain=data["domain"])
        if data["district"].strip():
            projects = projects.filter(service_district__icontains=data["district"].strip())
        if data["q"].strip():
            q = data["q"].strip()
            projects = projects.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(organization__name__icontains=q))
    return SORTING.order(projects, sort)


# What a row of the list shows, read as plain values: building 25 projects with their round and
# organization (deferred fields, the state machine's descriptor) cost twice as much CPU as the query.
_ROW_COLUMNS = ("pk", "code", "title", "version", "organization__name", "round__name", "state", "requested_amount",
                "approved_amount", "submitted_at")


def page_rows(page) -> list[dict]:
    """The page's rows as the list shows them, with what is the same for many rows worked out once: the
    labels of the states, the link to the project (one reverse), the submission day in local time."""
    labels = {value: str(label) for value, label in State.choices}
    detail_url = pk_url("projects:officer_detail")
    return [{
        "code": code, "url": detail_url(pk), "title": display_title(title), "version": version,
        "organization": organization, "round": round_name, "state": state,
        "state_label": labels.get(state, state), "requested_amount": requested_amount,
        "approved_amount": approved_amount,
        # as {{ submitted_at|date:"Y-m-d" }}: the day in the current time zone
        "submitted_on": localtime(submitted_at).date().isoformat() if submitted_at else "",
    } for (pk, code, title, version, organization, round_name, state, requested_amount, approved_amount, submitted_at)
        in page.object_list.values_list(*_ROW_COLUMNS)]


EXPORT_HEADERS = ["项目编号", "项目名称", "申报机构", "统一社会信用代码", "批次", "服务领域", "服务区域", "状态",
                  "申请金额（元）", "核定金额（元）", "提交时间", "版本"]


def export_rows(projects: QuerySet[Project]):
    for p in projects.iterator(chunk_size=2000):
        yield [p.code or "", p.title, p.organization.name, p.organization.credit_code or "", p.round.name,
               p.get_domain_display() if p.domain else "", p.service_district, str(p.state_label),
               p.requested_amount, p.approved_amount, p.submitted_at, p.version]


# ---------------------------------------------------------------- the evaluators' work list

class EvaluationFilter(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Title, project number or organization")}))
    round = forms.ModelChoiceField(GrantRound.objects.all(), required=False, label=_("Round"))


EVALUATION_COLUMNS = [
    Column("code", _("Project number"), ("code",)),
    Column("title", _("Project"), ("title",)),
    Column("organization", _("Organization"), ("organization__name",), css="hide-sm"),
    Column("round", _("Round"), ("round__year", "round__name"), css="hide-sm"),
    Column("approved", _("Approved (yuan)"), ("approved_amount",), css="num"),
    Column("state", _("Status"), (rank("state", State.values),)),
]
EVALUATION_SORTING = Sorting(EVALUATION_COLUMNS, default="code", tiebreak="id")


def filtered_evaluations(queue: QuerySet[Project], form: EvaluationFilter, sort: str | None) -> QuerySet[Project]:
    if form.is_valid():
        if form.cleaned_data["round"]:
            queue = queue.filter(round=form.cleaned_data["round"])
        q = form.cleaned_data["q"].strip()
        if q:
            queue = queue.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(organization__name__icontains=q))
    return EVALUATION_SORTING.order(queue, sort)


EVALUATION_EXPORT_HEADERS = ["项目编号", "项目名称", "承接机构", "批次", "核定金额（元）", "状态", "中期评估不合格"]


def evaluation_export_rows(queue: QuerySet[Project]):
    for p in queue.iterator(chunk_size=2000):
        yield [p.code or "", p.title, p.organization.name, p.round.name, p.approved_amount, str(p.state_label),
               p.failed_midterm]
