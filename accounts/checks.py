"""`manage.py check --deploy` says so when an installation runs without the second factor or with
sessions longer than the 等保 baseline."""
from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def account_policy(app_configs, **kwargs):
    problems = []
    if not settings.OTP_REQUIRED_ROLES:
        problems.append(Warning(
            "No role must use a second factor (REQUIRE_SECOND_FACTOR is off).",
            hint="Unset REQUIRE_SECOND_FACTOR: officers, finance officers and administrators then enrol an "
                 "authenticator app at their next login.", id="accounts.W001"))
    if settings.SESSION_IDLE_TIMEOUT_SECONDS > 30 * 60:
        problems.append(Warning("Sessions stay open for more than 30 idle minutes.",
                                hint="SESSION_IDLE_TIMEOUT_MINUTES", id="accounts.W002"))
    return problems
