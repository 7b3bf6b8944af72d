from django import forms
from django.utils.translation import gettext_lazy as _

from documents.selectors import rounds_with_agreements


class AgreementBatchForm(forms.Form):
    round = forms.ModelChoiceField(label=_("Grant round"), queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = rounds_with_agreements()
