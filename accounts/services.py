"""Writes about people: notifications (in-app rows now, email once the caller's transaction commits)."""
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from accounts.models import Notification, User

log = logging.getLogger(__name__)


def notify(*, actor, recipients: Iterable[User], text: str, url: str = "", project=None,
           email_subject: str = "", key: str = "") -> list[Notification]:
    """One notification per recipient (not the actor); an email copy goes to those with an address,
    after commit. With a `key`, people already notified about that key are skipped."""
    people = [r for r in recipients if r.is_active and (actor is None or r.pk != actor.pk)]
    if key:
        done = set(Notification.objects.filter(key=key).values_list("recipient_id", flat=True))
        people = [r for r in people if r.pk not in done]
    rows = Notification.objects.bulk_create(
        Notification(recipient=r, project=project, text=text[:500], url=url, key=key) for r in people
    )
    addresses = [r.email for r in people if r.email]
    if addresses:
        subject = email_subject or text[:80]
        transaction.on_commit(lambda: _send(subject, text, url, addresses))
    return rows


def _send(subject: str, text: str, url: str, addresses: list[str]) -> None:
    if url.startswith("/"):
        url = settings.SITE_URL.rstrip("/") + url  # e-mail needs an absolute link
    body = f"{text}\n\n{url}" if url else text
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addresses)
    except OSError:
        # The in-app notification is already stored; a mail server outage must not fail the request.
        log.exception("notification email to %s failed", addresses)


def mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Marks the actor's own notifications read (all of them when no ids are given)."""
    qs = Notification.objects.filter(recipient=actor, read=False)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read=True)
