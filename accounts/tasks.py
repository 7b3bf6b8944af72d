"""Password-reset mail, sent by the worker: the request does the same for a known and an unknown
address (queue one task), so neither its answer nor its timing tells which addresses have accounts."""
import logging

from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction

from accounts import services

log = logging.getLogger(__name__)


@shared_task(name="accounts.send_password_reset", acks_late=True)
def send_password_reset(email: str, domain: str, use_https: bool) -> None:
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    try:
        form.save(domain_override=domain, use_https=use_https,
                  subject_template_name="registration/password_reset_subject.txt",
                  email_template_name="registration/password_reset_email.html")
    except Exception:  # the mail server: the person asks again; nothing else depends on this mail
        log.exception("password-reset mail failed")


def _dispatch(email: str, domain: str, use_https: bool) -> None:
    try:
        send_password_reset.apply_async(args=[email, domain, use_https], retry=False)
    except Exception:
        log.warning("could not queue the password-reset mail; sending it now", exc_info=True)
        send_password_reset(email, domain, use_https)


def send_password_reset_after_commit(*, email: str, domain: str, use_https: bool) -> None:
    transaction.on_commit(lambda: _dispatch(email, domain, use_https), robust=True)


@shared_task(name="accounts.send_daily_digests")
def send_daily_digests() -> int:
    """Daily (celery beat, 18:00 Asia/Shanghai): one digest e-mail per reader; a second run the same
    day sends nothing (accounts.models.DigestSent)."""
    return services.send_daily_digests()
