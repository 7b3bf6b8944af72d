"""The login forms (throttled: accounts.throttle), the change-password form, the one-time-code form."""
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from accounts import security
from accounts.client import client_address
from accounts.throttle import LoginThrottle, known_names, locked_message, normalize


class ThrottledLoginMixin:
    """Refuses a locked name-and-address pair (or a delayed address) before the password is checked,
    counts failures, and clears the pair's count on success."""

    locked_message = ""

    def clean(self):
        username = self.data.get("username", "")
        throttle = LoginThrottle(username, client_address(self.request),
                                 known=normalize(username) in known_names(self.request))
        seconds = throttle.locked_for()
        if seconds:
            self.locked_message = locked_message(seconds)
            security.record(security.Kind.LOGIN_FAILED, request=self.request, username=username, refused="locked")
            raise forms.ValidationError(self.locked_message, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if throttle.failed(self.request):  # this failure was the last one allowed
                self.locked_message = locked_message(throttle.pair_locked_for())
            raise
        if self.user_cache is not None:  # a post without a password checked nothing and clears nothing
            throttle.succeeded()
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class ChangePasswordForm(PasswordChangeForm):
    """Django's form (old password, new password twice, the validators); the view hands the new
    password to accounts.services.change_own_password."""

    @staticmethod
    def rules() -> list[str]:
        return password_validators_help_texts()


class TokenForm(forms.Form):
    token = forms.CharField(label=_("Code"), max_length=16, strip=True,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                                          "inputmode": "text"}))

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "").replace("-", "").lower()
