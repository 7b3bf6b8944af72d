"""Forms of the organization page: contact (saved directly) and the two change requests an officer decides."""
from django import forms
from django.utils.translation import gettext_lazy as _

from core.validation import validate_single_line
from grants.models import OrgType, Rating
from grants.rules import credit_code

EVIDENCE_HELP = _("A scan of the certificate or decision (PDF, JPG or PNG).")


class ContactForm(forms.Form):
    address = forms.CharField(label=_("Office address"), max_length=200, required=False, validators=[validate_single_line])
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, validators=[validate_single_line])
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, validators=[validate_single_line],
                                    widget=forms.TextInput(attrs={"type": "tel"}))


class _ChangeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label=_("Evidence"), help_text=EVIDENCE_HELP)


class RatingChangeForm(_ChangeForm):
    rating = forms.TypedChoiceField(label=_("Rating"), choices=[("", _("No rating"))] + list(Rating.choices),
                                    coerce=int, empty_value=None, required=False)
    rating_valid_until = forms.DateField(label=_("Rating valid until"), required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["rating", "rating_valid_until", "evidence", "reason"]

    def values(self) -> dict:
        return {"rating": self.cleaned_data["rating"], "rating_valid_until": self.cleaned_data["rating_valid_until"]}


class RegistrationChangeForm(_ChangeForm):
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=40, required=False)
    org_type = forms.ChoiceField(label=_("Type"), choices=OrgType.choices)
    registration_date = forms.DateField(label=_("Registration date"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))
    district = forms.CharField(label=_("District"), max_length=50, required=False, validators=[validate_single_line])
    field_order = ["credit_code", "org_type", "registration_date", "district", "evidence", "reason"]

    def clean_credit_code(self):
        return credit_code.normalize(self.cleaned_data.get("credit_code")) or None

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("credit_code", "org_type", "registration_date", "district")}


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment (required to reject)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
