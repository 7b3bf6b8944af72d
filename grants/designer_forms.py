"""Forms of the round designer: one form per section of a round's settings, with row editors
(Django formsets) for the lists a round keeps as JSON, so no officer ever types JSON. The forms
only parse; grants.rounds checks everything again and decides."""
from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from grants import defaults
from grants.models import CapKind, District, GrantRound, QuestionKind
from grants.rules.budget import CATEGORIES
from grants.rules.tranches import TRIGGERS
from grants.state_labels import state_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SELECTABLE_ATTACHMENTS = [k for k in defaults.ATTACHMENT_KINDS if k not in ("signed_agreement", "receipt")]


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[、,，;；\n]+", text or "") if part.strip()]


def _number(value) -> str:
    return format(Decimal(str(value)).normalize(), "f")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the change"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required once the round is published; kept in the change history."),
    )


# ---------------------------------------------------------------- row editors

class RowForm(forms.Form):
    def has_content(self) -> bool:
        return self.has_changed() and not self.cleaned_data.get("DELETE")


class CriterionRow(RowForm):
    code = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Criterion"), max_length=100)
    max = forms.DecimalField(label=_("Full marks"), min_value=Decimal("0.5"), max_digits=6, decimal_places=2)
    weight = forms.DecimalField(label=_("Weight"), min_value=Decimal("0.01"), max_value=Decimal("10"), max_digits=4,
                                decimal_places=2, initial=Decimal("1"))
    description = forms.CharField(label=_("What the expert looks at"), required=False, max_length=300)


class EvaluationRow(RowForm):
    code = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Criterion"), max_length=100)
    max = forms.DecimalField(label=_("Full marks"), min_value=Decimal("0.5"), max_digits=6, decimal_places=2)


class TrancheRow(RowForm):
    name = forms.CharField(label=_("Tranche"), max_length=50)
    percent = forms.DecimalField(label=_("Percent"), max_digits=5, decimal_places=2, min_value=Decimal("0.01"),
                                 max_value=Decimal("100"),
                                 widget=forms.NumberInput(attrs={"step": "0.01", "data-percent": "1"}))
    # A select always posts its first option: with that as the initial value an empty extra row stays unchanged.
    trigger = forms.ChoiceField(label=_("Paid when"), choices=list(TRIGGERS.items()), initial=next(iter(TRIGGERS)))


class ForbiddenRow(RowForm):
    rule = forms.CharField(label=_("Use the grant may not pay for"), max_length=100)
    keywords = forms.CharField(label=_("Words that reveal it (separated by 、)"), max_length=500)

    def clean_keywords(self):
        words = _split(self.cleaned_data["keywords"])
        if not words:
            raise forms.ValidationError("请至少填写一个关键词")
        return words


class QuestionRow(RowForm):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Question"), max_length=200)
    help_text = forms.CharField(label=_("Explanation for the applicant"), required=False, max_length=300)
    kind = forms.ChoiceField(label=_("Answer type"), choices=QuestionKind.choices, initial=QuestionKind.TEXT)
    choices = forms.CharField(label=_("Options (one per line, for a choice)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    required = forms.BooleanField(label=_("Required"), required=False)

    def clean_choices(self):
        return [line.strip() for line in (self.cleaned_data.get("choices") or "").splitlines() if line.strip()]


def formset(row, *, extra: int = 2):
    return forms.formset_factory(row, extra=extra, can_delete=True, max_num=50, validate_max=True)


CriterionRows = formset(CriterionRow)
EvaluationRows = formset(EvaluationRow)
TrancheRows = formset(TrancheRow)
ForbiddenRows = formset(ForbiddenRow)
QuestionRows = formset(QuestionRow)


def rows_of(rowset) -> list[dict]:
    """The rows of a valid formset that are kept, in order: every row that was there (changed or not)
    and every new row filled in, less the rows ticked for removal."""
    initial = rowset.initial_form_count()
    return [f.cleaned_data for i, f in enumerate(rowset.forms)
            if (i < initial or f.has_changed()) and f.cleaned_data and not f.cleaned_data.get("DELETE")]


def with_codes(rows: list[dict], prefix: str) -> list[dict]:
    """Criteria keep their code (scores are stored by it); new ones get the next free one. Officers
    never see codes."""
    taken = {r["code"] for r in rows if r.get("code")}
    n = 0
    result = []
    for r in rows:
        code = r.get("code") or ""
        while not code:
            n += 1
            candidate = f"{prefix}{n}"
            if candidate not in taken:
                code = candidate
                taken.add(code)
        item = {"code": code, "name": r["name"].strip(), "max": _number(r["max"])}
        if "weight" in r:
            item["weight"] = _number(r["weight"] or 1)
        if r.get("description"):
            item["description"] = r["description"].strip()
        result.append(item)
    return result


def criterion_initial(rubric: list[dict]) -> list[dict]:
    return [{"code": c.get("code", ""), "name": c.get("name", ""), "max": c.get("max"), "weight": c.get("weight", "1"),
             "description": c.get("description", "")} for c in rubric]


# ---------------------------------------------------------------- sections of plain fields

def _model_fields(names: list[str]) -> dict:
    fields = forms.fields_for_model(GrantRound, fields=names, widgets={
        "apply_start": DATE, "apply_end": DATE, "review_start": DATE, "review_end": DATE,
        "description": forms.Textarea(attrs={"rows": 8}),
    })
    return {name: fields[name] for name in names}


class SectionForm(forms.Form):
    """Fields of GrantRound named by the section, labelled and validated by the model field."""

    def __init__(self, names: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_model_fields(names))


class ScopeForm(forms.Form):
    domains = forms.MultipleChoiceField(label=_("service domains"), choices=list(defaults.DOMAINS.items()),
                                        widget=forms.CheckboxSelectMultiple)
    districts = forms.ModelMultipleChoiceField(
        label=_("districts served"), queryset=District.objects.filter(active=True), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to accept applications from every district."),
    )
    required_attachments = forms.MultipleChoiceField(
        label=_("required attachments"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(k, defaults.ATTACHMENT_KINDS[k]) for k in SELECTABLE_ATTACHMENTS],
    )


class UnfinishedStatesForm(forms.Form):
    unfinished_states = forms.MultipleChoiceField(
        label=_("states in which an earlier project counts as unfinished"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("An organization with an earlier project in one of these states may not apply when the round bars unfinished projects."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["unfinished_states"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = state_choices()


class CapsForm(forms.Form):
    """One line per budget category: its own cap, or none (the defaults apply)."""

    def __init__(self, *args, caps: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        caps = caps or {}
        kinds = [("", _("No cap of its own"))] + list(CapKind.choices)
        self.categories = []
        for code, label in CATEGORIES.items():
            kind, value = caps.get(code, ("", None))
            self.fields[f"kind_{code}"] = forms.ChoiceField(label=label, choices=kinds, required=False, initial=kind)
            self.fields[f"value_{code}"] = forms.DecimalField(
                label=_("Value"), required=False, max_digits=14, decimal_places=2, min_value=Decimal("0"),
                initial=value, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
            self.categories.append(code)

    def lines(self):
        return [(self[f"kind_{c}"], self[f"value_{c}"]) for c in self.categories]

    def clean(self):
        data = super().clean() or {}
        for code in self.categories:
            kind, value = data.get(f"kind_{code}"), data.get(f"value_{code}")
            if kind and kind != CapKind.FORBIDDEN and value is None:
                self.add_error(f"value_{code}", "请填写上限值")
        return data

    def caps(self) -> dict:
        result = {}
        for code in self.categories:
            kind = self.cleaned_data.get(f"kind_{code}")
            result[code] = (kind, self.cleaned_data.get(f"value_{code}")) if kind else None
        return result


class ThresholdsForm(forms.Form):
    excellent = forms.DecimalField(label=_("Excellent from"), max_digits=5, decimal_places=2, min_value=0)
    good = forms.DecimalField(label=_("Good from"), max_digits=5, decimal_places=2, min_value=0)
    passed = forms.DecimalField(label=_("Pass from"), max_digits=5, decimal_places=2, min_value=0)

    def clean(self):
        data = super().clean() or {}
        e, g, p = data.get("excellent"), data.get("good"), data.get("passed")
        if e is not None and g is not None and p is not None and not (e > g > p):
            raise forms.ValidationError("等级分数线须满足：优秀 > 良好 > 合格")
        return data

    def thresholds(self) -> dict:
        d = self.cleaned_data
        return {"excellent": _number(d["excellent"]), "good": _number(d["good"]), "pass": _number(d["passed"])}


class CopyForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    code = forms.SlugField(label=_("code"), max_length=30, help_text=_("Used in project numbers."))


class DistrictForm(forms.ModelForm):
    class Meta:
        model = District
        fields = ["name", "position", "active"]


class CallDocumentForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    file = forms.FileField(label=_("File (PDF, Word or Excel)"))
