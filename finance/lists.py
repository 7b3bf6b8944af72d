"""Disbursement batches as a list: filters, sortable columns and the rows of the xlsx export (the page
and the file come from `filtered`, so the export is the list as shown). States sort in the order of
the sign-off (经办 → 审核 → 审批 → 关闭), not by their stored names."""
from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.listing import Column, Sorting, rank
from finance.models import Batch, BatchState


class BatchFilter(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=50,
                        widget=forms.TextInput(attrs={"placeholder": _("Batch number or round")}))
    round = forms.ChoiceField(choices=(), required=False, label=_("Round"))
    state = forms.ChoiceField(choices=[("", _("All")), *BatchState.choices], required=False, label=_("Status"))

    def __init__(self, *args, rounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["round"]).choices = [("", _("All")), *((str(r.pk), r.name) for r in rounds)]


COLUMNS = [
    Column("number", _("Batch number"), ("number",)),
    Column("round", _("Round"), ("round__year", "round__name")),
    Column("state", _("Status"), (rank("state", BatchState.values),)),
    Column("transfers", _("Transfers"), ("tranche_count",), css="num"),
    Column("total", _("Total"), ("total",), css="num"),
    Column("paid", _("Paid"), ("paid_total",), css="num"),
    Column("failed", _("Returned by the bank"), ("failed_total",), css="num"),
    Column("prepared", _("Prepared by"), ("prepared_by__username",)),
    Column("checked", _("Checked by"), ("checked_by__username",)),
    Column("approved", _("Approved by"), ("approved_by__username",)),
]
SORTING = Sorting(COLUMNS, default="-number", tiebreak="pk")


def filtered(batches: QuerySet[Batch], form: BatchFilter, sort: str | None) -> QuerySet[Batch]:
    if form.is_valid():
        data = form.cleaned_data
        if data["round"]:
            batches = batches.filter(round_id=int(data["round"]))
        if data["state"]:
            batches = batches.filter(state=data["state"])
        if data["q"].strip():
            q = data["q"].strip()
            batches = batches.filter(Q(number__icontains=q) | Q(round__name__icontains=q))
    return SORTING.order(batches, sort)


EXPORT_HEADERS = ["批次号", "批次", "状态", "笔数", "合计（元）", "已拨付笔数", "已拨付（元）", "退汇笔数", "退汇（元）",
                  "经办", "审核", "审批"]


def export_rows(batches: QuerySet[Batch]):
    for b in batches.iterator(chunk_size=2000):
        yield [b.number, b.round.name, str(b.get_state_display()), b.tranche_count, b.total,
               b.paid_count if b.is_frozen else None, b.paid_total if b.is_frozen else None,
               b.failed_count or None, b.failed_total if b.failed_count else None,
               str(b.prepared_by), str(b.checked_by or ""), str(b.approved_by or "")]
