"""E-mail that can never break the action that caused it.

A subject comes from text people typed (a project title): a CR or LF in it makes Django refuse the
whole message (BadHeaderError), so subjects are made header-safe here. The message is handed to a
Celery task once the caller's transaction commits; the task retries while the mail server is away.
With the broker down (or no broker configured, eager mode) it is sent once in-process, and any
failure is logged: the in-app notification is already stored and the action stands.
"""
import logging
import re
from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
SUBJECT_MAX = 200
RETRIES = 5


def header_safe(text: str, *, limit: int = SUBJECT_MAX) -> str:
    """One line without control characters, fit for a mail header."""
    return " ".join(_UNSAFE.sub(" ", str(text or "")).split())[:limit]


def deliver(subject: str, body: str, recipients: list[str]) -> bool:
    """Sends once; False (logged) when it failed."""
    try:
        send_mail(header_safe(subject), body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # SMTP, DNS, a refused header: the action that wrote the mail has happened
        log.exception("e-mail to %s failed", recipients)
        return False
    return True


@shared_task(bind=True, name="core.send_mail", max_retries=RETRIES, acks_late=True)
def send_mail_task(self, subject: str, body: str, recipients: list[str]) -> bool:
    try:
        send_mail(header_safe(subject), body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError as exc:  # smtplib's errors included: the server may come back
        if self.request.is_eager or self.request.retries >= self.max_retries:
            log.exception("e-mail to %s failed, giving up", recipients)
            return False
        raise self.retry(exc=exc, countdown=60 * 2 ** self.request.retries) from None
    except Exception:  # a message the server will never take: retrying cannot help
        log.exception("e-mail to %s refused", recipients)
        return False
    return True


@shared_task(bind=True, name="core.send_mails", max_retries=RETRIES, acks_late=True)
def send_mails_task(self, messages: list) -> int:
    """Many messages of one event, each on its own (nobody sees who else was told), over one
    connection; returns how many went. When the server goes away, only those not sent yet are
    retried later; a message the server refuses is logged and skipped."""
    done = 0
    try:
        with get_connection() as connection:
            for subject, body, recipients in messages:
                try:
                    EmailMessage(header_safe(subject), body, settings.DEFAULT_FROM_EMAIL, recipients,
                                 connection=connection).send()
                except OSError:
                    raise
                except Exception:
                    log.exception("e-mail to %s refused", recipients)
                done += 1
    except OSError as exc:
        left = messages[done:]
        if self.request.is_eager or self.request.retries >= self.max_retries:
            log.exception("e-mail to %d people failed, giving up", len(left))
            return done
        raise self.retry(args=[left], exc=exc, countdown=60 * 2 ** self.request.retries) from None
    return done


def _dispatch_many(messages: list) -> None:
    try:
        send_mails_task.apply_async(args=[messages], retry=False)
    except Exception:
        log.warning("could not queue %d e-mails; sending them now", len(messages), exc_info=True)
        for subject, body, recipients in messages:
            deliver(subject, body, recipients)


def send_each_after_commit(messages: Iterable[tuple[str, str, Iterable[str]]]) -> None:
    """(subject, body, recipients) per message, all queued as one task once the current transaction
    commits: an event that tells 600 people costs one queued task, not 600; never raises."""
    batch = [(header_safe(subject), body, [a for a in recipients if a]) for subject, body, recipients in messages]
    batch = [m for m in batch if m[2]]
    if batch:
        transaction.on_commit(lambda: _dispatch_many(batch), robust=True)


def _dispatch(subject: str, body: str, recipients: list[str]) -> None:
    try:
        # retry=False: with the broker down the request must not wait on kombu's reconnection loop.
        send_mail_task.apply_async(args=[subject, body, recipients], retry=False)
    except Exception:
        log.warning("could not queue e-mail to %s; sending it now", recipients, exc_info=True)
        deliver(subject, body, recipients)


def send_after_commit(*, subject: str, body: str, recipients: Iterable[str]) -> None:
    """Queues the mail once the current transaction commits (at once outside one); never raises."""
    addresses = [a for a in recipients if a]
    if addresses:
        subject = header_safe(subject)
        transaction.on_commit(lambda: _dispatch(subject, body, addresses), robust=True)
