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


class DefenseMemberForm(forms.Form):
    expert = forms.ModelChoiceField(label=_("Expert"), queryset=Expert.objects.filter(active=True, user__isnull=False))


class ScheduleForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    starts_at = forms.DateTimeField(label=_("Starts at"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    minutes = forms.IntegerField(label=_("Minutes"), min_value=5, max_value=240, initial=15)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
