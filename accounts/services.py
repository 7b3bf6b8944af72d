"""Writes about people: accounts as the system administrator keeps them (the admin site calls these),
and notifications (in-app rows now, email once the caller's transaction commits)."""
import logging
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import security
from accounts.client import Client
from accounts.errors import AccountsError
from accounts.models import DigestSent, LoginFailure, Notification, NotificationKind, Role, User
from core import calendar
from core.mail import send_after_commit, send_each_after_commit
from core.validation import model_problems

log = logging.getLogger(__name__)


def notify(*, actor, recipients: Iterable[User], text: str, url: str = "", project=None,
           email_subject: str = "", key: str = "", kind: str = NotificationKind.OTHER) -> list[Notification]:
    """One notification per recipient (not the actor); an e-mail copy goes after commit to those with
    an address, except people who read their e-mail as a daily digest (accounts.digest sends theirs).

    With a `key` (what the notification is about: one event), a person is notified about it once:
    the unique (recipient, key) constraint turns a second insert, from a retried task or a racing
    one, into nothing. Returns the notifications actually made."""
    people: dict[int, User] = {}
    for r in recipients:
        if r.is_active and (actor is None or r.pk != actor.pk):
            people.setdefault(r.pk, r)
    now = timezone.now()
    rows: list[Notification] = []
    for person in people.values():
        row = Notification(recipient=person, project=project, text=text[:500], url=url, key=key, kind=kind,
                           emailed_at=None if person.email_digest else now)
        if not key:
            row.save()
            rows.append(row)
            continue
        try:
            with transaction.atomic():  # a savepoint: the duplicate's failure leaves the caller's work alone
                row.save()
        except IntegrityError:
            continue  # already notified about this event
        rows.append(row)
    # One e-mail per person (nobody sees who else was told), after commit, header-safe and retried
    # (core.mail): a mail failure never undoes or fails the action.
    for row in rows:
        if row.recipient.email and not row.recipient.email_digest:
            send_after_commit(subject=email_subject or text[:80], body=_body(text, url), recipients=[row.recipient.email])
    return rows


def notify_each(*, actor, messages: Iterable[tuple[User, str, str]], key: str, email_subject: str,
                kind: str = NotificationKind.OTHER) -> list[Notification]:
    """One event told to many people, each with their own text and link ((person, text, url) per
    message): the same rules as notify (not the actor, active people only, once per person and key,
    e-mail after commit unless they read the daily digest), in a fixed number of queries instead of
    a savepoint and an INSERT per person (an automatic run tells 600 experts at once), and with one
    queued mail task for all the e-mails (core.mail.send_each_after_commit).

    Who already has the key is read first; a caller whose event may be reported by two senders at
    once holds a lock on what the key is about, so the read is exact (the unique constraint still
    refuses a duplicate, silently)."""
    people: dict[int, tuple[User, str, str]] = {}
    for person, text, url in messages:
        if person.is_active and (actor is None or person.pk != actor.pk):
            people.setdefault(person.pk, (person, text, url))
    if not key or not people:
        return []
    now = timezone.now()
    with transaction.atomic():
        told = set(Notification.objects.filter(key=key, recipient_id__in=list(people)).values_list(
            "recipient_id", flat=True))
        rows = [Notification(recipient=person, text=text[:500], url=url, key=key, kind=kind,
                             emailed_at=None if person.email_digest else now)
                for pk, (person, text, url) in people.items() if pk not in told]
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        send_each_after_commit((email_subject or row.text[:80], _body(row.text, row.url), [row.recipient.email])
                               for row in rows if row.recipient.email and not row.recipient.email_digest)
    return rows


def _body(text: str, url: str) -> str:
    link = settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url  # e-mail needs an absolute link
    return f"{text}\n\n{link}" if link else text


def set_notification_preferences(*, actor, email_digest: bool) -> User:
    """A person chooses e-mail per event or one digest a day. Switching to per-event e-mail sends what
    already waits in the next digest run (send_daily_digests looks for waiting items, not the setting)."""
    if actor is None or not actor.is_authenticated:
        raise AccountsError("请先登录")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        user.email_digest = bool(email_digest)
        user.save(update_fields=["email_digest"])
    return user


def send_daily_digests(*, day: date | None = None) -> int:
    """One e-mail per digest reader per day listing what arrived since their last digest; returns how
    many went out. Safe to run twice: the (user, day) row is written with the items it covers, in one
    transaction, and a second run finds it (or fails on its unique constraint) and sends nothing."""
    day = day or calendar.today()
    # Only digest readers' notifications wait (notify() stamps the others); whoever has some gets them.
    waiting = (User.objects.filter(is_active=True).exclude(email="")
               .filter(notifications__emailed_at__isnull=True).distinct().values_list("pk", flat=True))
    sent = 0
    for user_id in list(waiting):
        try:
            with transaction.atomic():
                sent += _send_digest(user_id, day)
        except IntegrityError:
            continue  # another run sent this person's digest for the day
    return sent


def _send_digest(user_id: int, day: date) -> int:
    user = User.objects.select_for_update().get(pk=user_id)
    if DigestSent.objects.filter(user=user, day=day).exists():
        return 0
    items = list(Notification.objects.select_for_update().filter(recipient=user, emailed_at__isnull=True)
                 .order_by("created", "id"))
    if not items:
        return 0
    digest = DigestSent.objects.create(user=user, day=day, count=len(items))
    Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=timezone.now(), digest=digest)
    lines = [f"{n.created.astimezone(calendar.SHANGHAI):%m-%d %H:%M} {_body(n.text, n.url)}" for n in items]
    body = f"{user}，您好：\n\n以下是您在益创平台的 {len(items)} 条新通知：\n\n" + "\n\n".join(lines)
    send_after_commit(subject=f"益创：每日通知摘要（{day:%Y-%m-%d}，{len(items)} 条）", body=body,
                      recipients=[user.email])
    return 1


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
