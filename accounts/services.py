"""Writes about people: accounts as the system administrator keeps them (the admin site calls these),
and notifications (in-app rows now, email once the caller's transaction commits)."""
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction

from accounts.errors import AccountsError
from accounts.models import Notification, Role, User
from core.validation import model_problems

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


# ---------------------------------------------------------------- accounts

def _require_admin(actor) -> None:
    if actor is None or not actor.is_admin:
        raise AccountsError("只有系统管理员可以维护用户账号")


def _still_admin(user: User) -> bool:
    return user.is_active and user.is_staff and (user.is_superuser or user.role == Role.ADMIN)


def save_user(*, actor, user: User) -> User:
    """Adds or changes an account (its password is set by the caller's form or by set_password).

    Accounts are deactivated, never deleted: audit rows and payments name the people who acted."""
    _require_admin(actor)
    problems: list[str] = []
    before = User.objects.filter(pk=user.pk).first() if user.pk else None
    if user.pk == actor.pk and not _still_admin(user):
        problems.append("不能停用自己的账号或取消自己的管理员权限，请由另一位系统管理员操作")
    if user.is_superuser and not (before and before.is_superuser) and not actor.is_superuser:
        problems.append("只有超级管理员可以授予超级管理员权限")
    problems += model_problems(user, exclude=["password"])
    if problems:
        raise AccountsError(problems)
    with transaction.atomic():
        user.save()
    return user


def set_password(*, actor, user_id: int, password: str | None) -> User:
    """A new password checked against the password rules; None turns password login off."""
    _require_admin(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if password is None:
            user.set_unusable_password()
        else:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise AccountsError(list(exc.messages)) from None
            user.set_password(password)
        user.save(update_fields=["password"])
    return user
