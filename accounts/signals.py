"""Logins, logouts and failed logins go to the security log whichever door they used (the site's
login, the admin's, a test client's force_login); a login also starts the session's clocks."""
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import security, session_policy


@receiver(user_logged_in, dispatch_uid="accounts.security.login")
def logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    session_policy.start(request, user)
    security.record(security.Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="accounts.security.logout")
def logged_out(sender, request, user, **kwargs):
    if user is not None:
        security.record(security.Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="accounts.security.failed")
def login_failed(sender, credentials, request=None, **kwargs):
    security.record(security.Kind.LOGIN_FAILED, request=request, username=str(credentials.get("username", "")))
