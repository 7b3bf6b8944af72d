"""Writes about people: accounts as the system administrator keeps them (the admin site calls these),
and notifications (in-app rows now, email once the caller's transaction commits)."""
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import security
from accounts.client import Client
from accounts.errors import AccountsError
from accounts.models import LoginFailure, Notification, Role, User
from core.mail import send_after_commit
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
    link = settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url  # e-mail needs an absolute link
    # After commit, header-safe and retried (core.mail): a mail failure never undoes or fails the action.
    send_after_commit(subject=email_subject or text[:80], body=f"{text}\n\n{link}" if link else text,
                      recipients=[r.email for r in people if r.email])
    return rows


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


# What the security log records when an administrator changes an account: role and powers.
WATCHED = ("role", "is_active", "is_staff", "is_superuser", "approval_limit")


def save_user(*, actor, user: User, client: Client | None = None) -> User:
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
    changes = {f: [_plain(getattr(before, f, None)) if before else None, _plain(getattr(user, f, None))]
               for f in WATCHED if hasattr(user, f) and (before is None or getattr(before, f) != getattr(user, f))}
    with transaction.atomic():
        user.save()
        if changes:
            security.record(security.Kind.ACCOUNT_CHANGED, client=client, user=user, by=actor.get_username(),
                            created=before is None, changes=changes)
    return user


def _plain(value):
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def record_permission_changes(*, actor, user: User, before: dict, client: Client | None = None) -> None:
    """Groups and permissions are saved by the admin form after save_user: compared here with what
    they were (before: {"groups": [...], "user_permissions": [...]}) and logged when they changed."""
    after = permission_names(user)
    changes = {k: {"added": sorted(set(after[k]) - set(before[k])), "removed": sorted(set(before[k]) - set(after[k]))}
               for k in after if set(after[k]) != set(before.get(k, []))}
    if changes:
        security.record(security.Kind.ACCOUNT_CHANGED, client=client, user=user, by=actor.get_username(),
                        changes=changes)


def permission_names(user: User) -> dict:
    if not user.pk:
        return {"groups": [], "user_permissions": []}
    return {
        "groups": list(user.groups.values_list("name", flat=True)),
        "user_permissions": [f"{a}.{c}" for a, c in user.user_permissions.values_list("content_type__app_label", "codename")],
    }


def set_password(*, actor, user_id: int, password: str | None, client: Client | None = None) -> User:
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
        user.save(update_fields=["password", "password_changed_at"])
        security.record(security.Kind.PASSWORD_CHANGED, client=client, user=user, by=actor.get_username(),
                        disabled=password is None)
    return user


def change_own_password(*, actor, old_password: str, new_password: str, client: Client | None = None) -> User:
    """A person changes their own password (every role): the old one first, then the rules."""
    if actor is None or not actor.is_authenticated:
        raise AccountsError("请先登录")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        problems = [] if user.check_password(old_password) else ["原密码不正确"]
        if new_password == old_password:
            problems.append("新密码不能与原密码相同")
        try:
            validate_password(new_password, user)
        except ValidationError as exc:
            problems.extend(exc.messages)
        if problems:
            raise AccountsError(problems)
        user.set_password(new_password)
        user.save(update_fields=["password", "password_changed_at"])
        security.record(security.Kind.PASSWORD_CHANGED, client=client, user=user)
    return user


def reset_lockouts(*, actor, ids: Iterable[int], client: Client | None = None) -> int:
    """An administrator lifts login lockouts (and the failure counts behind them) before they run out."""
    _require_admin(actor)
    with transaction.atomic():
        rows = list(LoginFailure.objects.select_for_update().filter(pk__in=list(ids)))
        for row in rows:
            security.record(security.Kind.LOCKOUT_RESET, client=client, username=row.username,
                            by=actor.get_username(), address=row.ip_address, failures=row.failures)
        LoginFailure.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)
