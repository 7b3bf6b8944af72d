"""The public's objection form and the officer's answer; the service checks everything again."""
from django import forms
from django.utils.translation import gettext_lazy as _


class ObjectionForm(forms.Form):
    project = forms.TypedChoiceField(label=_("Project you object to"), coerce=int)
    name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    email = forms.CharField(label=_("Email"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    reason = forms.CharField(label=_("Facts and reasons"), widget=forms.Textarea(attrs={"rows": 6}),
                             help_text=_("State what is wrong with the project or the organization and how you know it."))
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False,
                               help_text=_("PDF, JPG, PNG or DOCX, one file."))

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["project"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a project"))] + [
            (p.pk, f"{p.code} {p.title}（{p.organization.name}）") for p in projects]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer to the person who objected"), widget=forms.Textarea(attrs={"rows": 3}))
