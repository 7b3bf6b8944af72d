from django import forms
from django.utils.translation import gettext_lazy as _

from core.calendar import today
from finance.models import BankFormat
from grants.models import GrantRound


class BatchFilterForm(forms.Form):
    round = forms.ModelChoiceField(queryset=None, label=_("Round"), empty_label=None)
    district = forms.ChoiceField(label=_("District"), required=False)
    domain = forms.ChoiceField(label=_("Service domain"), required=False)

    def __init__(self, *args, rounds, districts, domains, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = GrantRound.objects.filter(pk__in=[r.pk for r in rounds])
        self.fields["district"].choices = [("", _("All districts"))] + [(d, d) for d in districts]
        self.fields["domain"].choices = [("", _("All domains"))] + list(domains)


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), initial=today,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=100)


class FailureForm(forms.Form):
    reason = forms.CharField(label=_("Bank's reason"), max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ResultFileForm(forms.Form):
    file = forms.FileField(label=_("Bank result file (csv or xlsx)"))
    paid_on = forms.DateField(label=_("Paid on"), initial=today,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class BankFileForm(forms.Form):
    bank = forms.ModelChoiceField(queryset=BankFormat.objects.all(), required=False, label=_("Bank"),
                                  empty_label=_("Generic layout"))


class RepaymentForm(forms.Form):
    amount = forms.CharField(label=_("Amount repaid (yuan)"), max_length=30)
    repaid_on = forms.DateField(label=_("Received on"), initial=today,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False)


class ApproveForm(forms.Form):
    password = forms.CharField(label=_("Your password (to confirm the approval)"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BankDetailChangeForm(forms.Form):
    bank_account_name = forms.CharField(label=_("account name"), max_length=200)
    bank_name = forms.CharField(label=_("bank"), max_length=200)
    bank_account_no = forms.CharField(label=_("account number"), max_length=40,
                                      widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    bank_code = forms.CharField(label=_("bank code"), max_length=12,
                                widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "12"}))
    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
