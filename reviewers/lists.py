"""The expert pool as a list: filters, search, sortable columns and the rows of its xlsx export (the
page and the file come from `filtered`, so the export is the list as shown)."""
from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.listing import Column, Sorting
from grants.defaults import DOMAINS
from reviewers.models import Expert

YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


class ExpertFilter(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Name, employer or e-mail")}))
    domain = forms.ChoiceField(choices=[("", _("All")), *DOMAINS.items()], required=False, label=_("Domain"))
    finance = forms.ChoiceField(choices=YES_NO, required=False, label=_("Finance expert"))
    active = forms.ChoiceField(choices=YES_NO, required=False, label=_("Active"))


COLUMNS = [
    Column("name", _("Name"), ("name",)),
    Column("employer", _("Employer"), ("employer",)),
    Column("domains", _("Domains")),
    Column("finance", _("Finance"), ("is_finance",)),
    Column("relations", _("Relations"), ("n_relations",), css="num"),
]
SORTING = Sorting(COLUMNS, default="name", tiebreak="id")


def filtered(pool: QuerySet[Expert], form: ExpertFilter, sort: str | None) -> QuerySet[Expert]:
    if form.is_valid():
        data = form.cleaned_data
        if data["q"].strip():
            q = data["q"].strip()
            pool = pool.filter(Q(name__icontains=q) | Q(employer__icontains=q) | Q(email__icontains=q))
        if data["domain"]:
            # JSON containment is not portable to SQLite; the quoted code inside the list text is.
            pool = pool.filter(domains__icontains=f'"{data["domain"]}"')
        if data["finance"]:
            pool = pool.filter(is_finance=data["finance"] == "yes")
        if data["active"]:
            pool = pool.filter(active=data["active"] == "yes")
    return SORTING.order(pool, sort)


EXPORT_HEADERS = ["姓名", "工作单位", "职称", "专业领域", "所在区域", "财务专家", "在库", "关联关系数", "电子邮箱", "电话"]


def export_rows(pool: QuerySet[Expert]):
    for e in pool.iterator(chunk_size=2000):
        yield [e.name, e.employer, e.title, "、".join(str(DOMAINS.get(d, d)) for d in e.domains or []), e.district,
               e.is_finance, e.active, getattr(e, "n_relations", None), e.email, e.phone]
