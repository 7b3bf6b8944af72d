"""Forms of the review pages; they only parse input, the services decide."""
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from grants.models import Organization
from reviewers.models import AssignmentState, Expert, RelationKind


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("no", _("I have no conflict of interest with this applicant")),
                 ("yes", _("I have a conflict of interest and recuse myself"))],
    )
    note = forms.CharField(label=_("Relation (required when declaring a conflict)"), required=False, max_length=500)


class ScoreForm(forms.Form):
    """One number and one comment field per rubric criterion, built from the round's rubric."""

    comment = forms.CharField(label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    # The version of the review this page shows; the service refuses a save from an older one.
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, rubric: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        for c in rubric:
            self.fields[f"score_{c['code']}"] = forms.CharField(
                label=c["name"], required=False,
                widget=forms.NumberInput(attrs={"min": "0", "max": str(c["max"]), "step": "0.5", "inputmode": "decimal",
                                                "data-testid": f"score-{c['code']}", "class": "score-input"}),
            )
            self.fields[f"note_{c['code']}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def criteria(self):
        return [
            {"criterion": c, "score": self[f"score_{c['code']}"], "note": self[f"note_{c['code']}"]}
            for c in self.rubric
        ]

    def scores(self) -> dict:
        return {c["code"]: self.cleaned_data.get(f"score_{c['code']}", "").strip() for c in self.rubric}

    def notes(self) -> dict:
        return {c["code"]: self.cleaned_data.get(f"note_{c['code']}", "") for c in self.rubric}


class RoundConflictForm(forms.Form):
    """The organizations of a round the expert has a conflict with; earlier declarations stay."""

    organizations = forms.TypedMultipleChoiceField(
        label=_("Applicants you have a conflict of interest with"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Relation (required when declaring a conflict)"), required=False, max_length=500)
    checked = forms.BooleanField(label=_("I have read the whole list of applicants"), required=True)

    def __init__(self, *args, organizations, declared: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedMultipleChoiceField, self.fields["organizations"])
        field.choices = [(o.pk, o.name) for o in organizations if o.pk not in declared]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class AutoAssignForm(forms.Form):
    seed = forms.IntegerField(label=_("Random seed"), min_value=0, initial=1,
                              help_text=_("The same seed gives the same assignment."))


class AddExpertForm(forms.Form):
    expert = forms.ModelChoiceField(label=_("Expert"), queryset=Expert.objects.filter(active=True))

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:  # who sits on the panel already is not offered again
            field = self.fields["expert"]
            assert isinstance(field, forms.ModelChoiceField)
            seated = project.assignments.exclude(state=AssignmentState.RECUSED).values("expert_id")
            field.queryset = Expert.objects.filter(active=True).exclude(pk__in=seated)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (xlsx or csv)"))


class OrganizationField(forms.CharField):
    """An organization typed as its unified social credit code or its full registered name. A select
    of every organization would list 100,000 of them at national size (10 s to render at 20,000)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", _("The unified social credit code (18 characters) or the full registered name."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value).strip()
        organization = (Organization.objects.filter(credit_code=text.upper()).first()
                        or Organization.objects.filter(name=text).first())
        if organization is None:
            raise forms.ValidationError(
                _("No organization has this credit code or name: enter the 18-character code or the full name."))
        return organization


class RelationForm(forms.Form):
    organization = OrganizationField(label=_("Organization"))
    kind = forms.ChoiceField(label=_("Relation"), choices=[c for c in RelationKind.choices if c[0] != RelationKind.DECLARED])
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ObjectionForm(forms.Form):
    project = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("raise", "raise"), ("dismiss", "dismiss"), ("uphold", "uphold")],
                               widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Objection or finding"), max_length=2000)
