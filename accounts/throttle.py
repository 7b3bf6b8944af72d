"""Login lockout keyed by user name and address together, and a growing delay per address.

LOGIN_LOCK_FAILURES failures of one user name from one address within LOGIN_LOCK_MINUTES lock that
pair (and only that pair) for LOGIN_LOCK_MINUTES: a colleague's mistakes, or an attacker sharing the
officer's address, cannot lock the officer out, and nobody can lock an account from elsewhere.
Guessing across many names from one address is slowed instead: past LOGIN_ADDRESS_FREE_FAILURES
failures in the window, each attempt from that address waits a doubling delay (capped at
LOGIN_ADDRESS_MAX_DELAY_SECONDS), except in a browser that has logged in to the name typed before
(a signed cookie set at login: see KNOWN_COOKIE), so regular users behind the same NAT or proxy keep
working while the guessing slows.

Counts live in the database (accounts.models.LoginFailure): every worker sees the same numbers, a
cache outage changes nothing, and an administrator sees and resets lockouts in the admin. The lock is
checked before the password, so a locked pair answers the same whether or not the password is right,
and whether or not the name exists. Addresses come from accounts.client.client_address (the
LOGIN_THROTTLE_IP_HEADER setting applies).
"""
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from accounts import security
from accounts.models import LoginFailure

KNOWN_COOKIE = "yc_known_login"
KNOWN_SALT = "accounts.throttle.known-login"
KNOWN_MAX_AGE = 180 * 24 * 3600
KNOWN_NAMES = 5  # a shared office computer remembers a few colleagues


def normalize(username: str) -> str:
    # Case and spaces do not make a new account to guess at.
    return (username or "").strip().lower()[:150]


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCK_MINUTES)


def locked_message(seconds: int) -> str:
    wait = f"{max(1, -(-seconds // 60))} 分钟" if seconds >= 60 else f"{max(1, seconds)} 秒"
    return f"登录失败次数过多，为保护账号安全已暂时锁定，请 {wait}后再试。如忘记密码，可通过“忘记密码”重新设置。"


def known_names(request) -> list[str]:
    raw = request.COOKIES.get(KNOWN_COOKIE, "") if request is not None else ""
    try:
        names = signing.loads(raw, salt=KNOWN_SALT, max_age=KNOWN_MAX_AGE) if raw else []
    except signing.BadSignature:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def remember_login(request, response, username: str) -> None:
    """Marks this browser as one that has logged in to `username` (exempt from the address delay)."""
    name = normalize(username)
    names = [name] + [n for n in known_names(request) if n != name][: KNOWN_NAMES - 1]
    response.set_cookie(KNOWN_COOKIE, signing.dumps(names, salt=KNOWN_SALT), max_age=KNOWN_MAX_AGE,
                        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def address_delay(failures: int) -> int:
    extra = failures - settings.LOGIN_ADDRESS_FREE_FAILURES
    if extra <= 0:
        return 0
    return min(2 ** min(extra - 1, 30), settings.LOGIN_ADDRESS_MAX_DELAY_SECONDS)


class LoginThrottle:
    def __init__(self, username: str, address: str, *, known: bool = False):
        self.username = normalize(username)
        self.address = address
        self.known = known  # this browser has logged in to this name before

    def _pair(self):
        return LoginFailure.objects.filter(username=self.username, ip_address=self.address)

    def pair_locked_for(self, now=None) -> int:
        now = now or timezone.now()
        until = self._pair().filter(locked_until__gt=now).values_list("locked_until", flat=True).first()
        return int((until - now).total_seconds()) + 1 if until else 0

    def address_wait(self, now=None) -> int:
        now = now or timezone.now()
        recent = LoginFailure.objects.filter(ip_address=self.address, last_failure__gte=now - _window()).aggregate(
            failures=Sum("failures"), last=Max("last_failure"))
        delay = address_delay(recent["failures"] or 0)
        if not delay:
            return 0
        left = (recent["last"] + timedelta(seconds=delay) - now).total_seconds()
        return int(left) + 1 if left > 0 else 0

    def locked_for(self) -> int:
        """Seconds until a login may be tried again (0: now)."""
        now = timezone.now()
        pair = self.pair_locked_for(now)
        if pair or self.known:
            return pair
        return self.address_wait(now)

    def failed(self, request=None) -> bool:
        """Counts a failure; True when it locked the pair (the security log records the lockout)."""
        now = timezone.now()
        with transaction.atomic():
            row, _ = LoginFailure.objects.select_for_update().get_or_create(
                username=self.username, ip_address=self.address,
                defaults={"window_start": now, "last_failure": now})
            if row.window_start < now - _window() or (row.locked_until and row.locked_until <= now):
                row.failures, row.window_start, row.locked_until = 0, now, None
            row.failures += 1
            row.last_failure = now
            locked = row.failures >= settings.LOGIN_LOCK_FAILURES
            until = now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
            if locked:
                row.locked_until = until
            row.save()
            if locked:
                security.record(security.Kind.LOCKED_OUT, request=request, username=self.username,
                                address=self.address, failures=row.failures, locked_until=until.isoformat())
        # Old rows say nothing any more; pruning here keeps the table as small as the attack is recent.
        LoginFailure.objects.filter(last_failure__lt=now - 2 * _window()).delete()
        return locked

    def succeeded(self) -> None:
        self._pair().delete()

