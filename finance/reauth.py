"""The approver types their password again at 审批: a session left open on a desk does not release money.

Wrong passwords are throttled as logins are: five wrong in a row lock approvals for that person for
fifteen minutes, so a borrowed session cannot guess its way through. Counts live in Django's cache
(shared between workers when CACHE_URL names one), like the login throttle's.
"""
from __future__ import annotations

import time

from django.core.cache import cache

from finance.errors import FinanceError

LIMIT = 5
LOCK_SECONDS = 15 * 60


def _keys(user) -> tuple[str, str]:
    return f"approval-password:failures:{user.pk}", f"approval-password:lock:{user.pk}"


def _seconds_locked(user) -> int:
    until = cache.get(_keys(user)[1])
    return max(0, int(until - time.time())) if until else 0


def _fail(user) -> None:
    failures_key, lock_key = _keys(user)
    cache.add(failures_key, 0, LOCK_SECONDS)
    try:
        failures = cache.incr(failures_key)
    except ValueError:  # expired between add and incr
        cache.set(failures_key, 1, LOCK_SECONDS)
        failures = 1
    if failures >= LIMIT:
        cache.set(lock_key, time.time() + LOCK_SECONDS, LOCK_SECONDS)
        cache.delete(failures_key)


def confirm_password(user, password: str) -> None:
    """Raises FinanceError unless `password` is the user's own and approvals are not locked for them.
    The lock is checked first, so a locked approver learns nothing about the password typed."""
    locked = _seconds_locked(user)
    if locked:
        raise FinanceError(f"密码错误次数过多，审批已暂时锁定，请 {max(1, -(-locked // 60))} 分钟后再试")
    if not password or not user.check_password(password):
        _fail(user)
        raise FinanceError("密码不正确，审批未完成；审批须重新输入您的登录密码")
    cache.delete_many(_keys(user))
