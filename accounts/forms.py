"""The login forms, with throttling of repeated failures (accounts.throttle)."""
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts.throttle import LoginThrottle, client_address, locked_message


class ThrottledLoginMixin:
    """Refuses a locked username or address before the password is checked, counts failures,
    and clears the username's count on success."""

    locked_message = ""

    def clean(self):
        throttle = LoginThrottle(self.data.get("username", ""), client_address(self.request))
        seconds = throttle.locked_for()
        if seconds:
            self.locked_message = locked_message(seconds)
            raise forms.ValidationError(self.locked_message, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.failed()
            seconds = throttle.locked_for()
            if seconds:  # this failure was the last one allowed
                self.locked_message = locked_message(seconds)
            raise
        if self.user_cache is not None:  # a post without a password checked nothing and clears nothing
            throttle.succeeded()
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
