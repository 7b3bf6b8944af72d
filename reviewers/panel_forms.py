"""Forms of the panel pages (policy, discussion, defense, fill-down); they parse, the services decide."""
from django import forms
from django.utils.translation import gettext_lazy as _

from reviewers.models import Expert
from reviewers.panel_models import PanelPolicy
from reviewers.panel_policy import FIELDS


class PanelPolicyForm(forms.ModelForm):
    class Meta:
        model = PanelPolicy
        fields = FIELDS
        widgets = {"discussion_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PostForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class RevisionReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why you revise your score"), max_length=500)


class ExpertField(forms.CharField):
    """An expert of the pool (active, with an account) typed as their e-mail or their full name. A
    select of every expert would list 2,000 of them at national size."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("help_text", _("The expert's e-mail address, or their full name if no other expert has it."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value).strip()
        pool = Expert.objects.filter(active=True, user__isnull=False)
        if text.isdecimal():  # the id, as a script or an older form sends it
            found = list(pool.filter(pk=int(text))[:1])
        else:
            found = list(pool.filter(email__iexact=text)[:2]) or list(pool.filter(name=text)[:2])
        if len(found) > 1:
            raise forms.ValidationError(_("Several experts have this name: enter the e-mail address instead."))
        if not found:
            raise forms.ValidationError(_("No active expert has this e-mail address or name."))
        return found[0]


class DefenseMemberForm(forms.Form):
    expert = ExpertField(label=_("Expert"))


class ScheduleForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    starts_at = forms.DateTimeField(label=_("Starts at"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    minutes = forms.IntegerField(label=_("Minutes"), min_value=5, max_value=240, initial=15)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
