"""Login throttling: repeated failures lock a username, and an address that tries many usernames.

Counts live in Django's cache (a shared one, e.g. Redis, when several processes serve the site).
A window starts at the first failure; reaching the limit inside it locks for LOCK_SECONDS, and a
successful login clears the username's count. The lock is checked before the password, so a locked
account answers the same whether or not the password is right, and whether or not the name exists.
The address is REMOTE_ADDR unless settings.LOGIN_THROTTLE_IP_HEADER names the header a trusted
reverse proxy sets (e.g. "HTTP_X_REAL_IP"): behind a proxy every request has the proxy's address.
"""
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
USERNAME_LIMIT = 5
# One address may mistype several accounts (an office behind one NAT); guessing across many is not that.
ADDRESS_LIMIT = 20


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def locked_message(seconds: int) -> str:
    return f"登录失败次数过多，为保护账号安全已暂时锁定，请 {_minutes(seconds)} 分钟后再试。如忘记密码，可通过“忘记密码”重新设置。"


def client_address(request) -> str:
    header = getattr(settings, "LOGIN_THROTTLE_IP_HEADER", None)
    meta = request.META if request is not None else {}
    forwarded = meta.get(header, "") if header else ""
    return forwarded.split(",")[0].strip() or meta.get("REMOTE_ADDR", "") or "unknown"


@dataclass(frozen=True)
class Counter:
    kind: str
    value: str
    limit: int

    @property
    def failures_key(self) -> str:
        return f"login-throttle:{self.kind}:failures:{self.value}"

    @property
    def lock_key(self) -> str:
        return f"login-throttle:{self.kind}:lock:{self.value}"

    def seconds_left(self) -> int:
        until, now = cache.get(self.lock_key), time.time()
        return int(until - now) if until and until > now else 0

    def fail(self) -> None:
        cache.add(self.failures_key, 0, WINDOW_SECONDS)
        try:
            failures = cache.incr(self.failures_key)
        except ValueError:  # the window ran out between add and incr
            cache.set(self.failures_key, 1, WINDOW_SECONDS)
            failures = 1
        if failures >= self.limit:
            cache.set(self.lock_key, time.time() + LOCK_SECONDS, LOCK_SECONDS)
            cache.delete(self.failures_key)

    def clear(self) -> None:
        cache.delete_many([self.failures_key, self.lock_key])


class LoginThrottle:
    def __init__(self, username: str, address: str):
        # Case and spaces do not make a new account to guess at.
        self.username = Counter("user", (username or "").strip().lower()[:150], USERNAME_LIMIT)
        self.address = Counter("ip", address, ADDRESS_LIMIT)

    def locked_for(self) -> int:
        """Seconds until a login may be tried again (0: not locked)."""
        return max(self.username.seconds_left(), self.address.seconds_left())

    def failed(self) -> None:
        self.username.fail()
        self.address.fail()

    def succeeded(self) -> None:
        self.username.clear()
