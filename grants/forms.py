"""Forms for organization self-registration and member accounts; the services re-check everything."""
from django import forms
from django.utils.translation import gettext_lazy as _

from core import bank, calendar
from grants.models import Organization, OrgType
from grants.rules import credit_code


class AccountFields(forms.Form):
    username = forms.CharField(label=_("User name for logging in"), max_length=150)
    email = forms.EmailField(label=_("Email"), help_text=_("Notifications and password reset links are sent here."))
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        return data


class RegistrationForm(AccountFields, forms.ModelForm):
    host_credit_code = forms.CharField(
        label=_("Host organization's credit code"), required=False,
        help_text=_("Only for a filed community social organization: the registered organization that hosts it and receives payments."),
    )
    rating_certificate_file = forms.FileField(label=_("Rating certificate (PDF, JPG or PNG)"), required=False)
    # Longer than 18 on purpose: people paste codes with spaces; clean_credit_code tidies them and
    # the model's validator then checks length and check character with a specific message.
    credit_code = forms.CharField(
        label=_("unified social credit code"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-credit-code": "1", "maxlength": "40"}),
    )

    class Meta:
        model = Organization
        fields = ["name", "credit_code", "org_type", "registration_date", "district", "address", "contact_name",
                  "contact_phone", "rating", "rating_valid_until", "bank_account_name", "bank_name",
                  "bank_account_no", "bank_code"]
        widgets = {
            "registration_date": forms.DateInput(attrs={"type": "date"}),
            "rating_valid_until": forms.DateInput(attrs={"type": "date"}),
            "contact_phone": forms.TextInput(attrs={"type": "tel"}),
            "district": forms.TextInput(attrs={"list": "districts"}),
            "bank_account_no": forms.TextInput(attrs={"inputmode": "numeric"}),
            "bank_code": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "12"}),
        }

    field_order = ["name", "credit_code", "org_type", "host_credit_code", "registration_date", "district", "address",
                   "contact_name", "contact_phone", "rating", "rating_valid_until", "rating_certificate_file",
                   "bank_account_name", "bank_name", "bank_account_no", "bank_code",
                   "username", "email", "display_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser's date picker stops at today; the model refuses a later date anyway (grants.rules.organization_facts).
        self.fields["registration_date"].widget.attrs["max"] = calendar.today().isoformat()
        # Words instead of Django's "---------" on the empty choice.
        for name, empty in (("org_type", _("Choose the type")), ("rating", _("No rating"))):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", empty)] + [c for c in list(field.choices) if c[0] != ""]  # type: ignore[arg-type]

    def clean_credit_code(self):
        value = credit_code.normalize(self.cleaned_data.get("credit_code"))
        return value or None

    def clean_bank_account_no(self):
        # The field's validator has already refused anything but digits grouped by spaces or dashes.
        return bank.normalize_account_no(self.cleaned_data.get("bank_account_no"))

    def clean(self):
        data = super().clean()
        if data.get("org_type") == OrgType.COMMUNITY:
            code = credit_code.normalize(data.get("host_credit_code"))
            host = Organization.objects.filter(credit_code=code).first() if code else None
            if host is None:
                self.add_error("host_credit_code", "未找到该信用代码对应的已登记社会组织，请核对依托单位的统一社会信用代码")
            else:
                # Set before the model's own clean() runs in _post_clean, which checks the host.
                self.instance.host = host
        return data


class MemberForm(AccountFields):
    pass
