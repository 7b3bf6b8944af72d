"""Rate limits for anonymous doors (registration, the credit-code check, password reset, public PDFs).

Fixed windows counted in the database (accounts.models.RateCounter), so every worker counts together
with or without a shared cache. A limit protects capacity, not correctness: if the counter cannot be
written the request goes through and a line is logged (fail open)."""
import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.db import DatabaseError, transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.client import client_address
from accounts.models import RateCounter

log = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")


def parse(rate: str) -> tuple[int, int]:
    """"10/m" → (10, 60); "30/5m" → (30, 300)."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"bad rate {rate!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * PERIODS[unit]


def hit(scope: str, ident: str, rate: str, *, now=None) -> bool:
    """Counts one request of `scope` from `ident`; False when it is over the limit."""
    limit, period = parse(rate)
    now = now or timezone.now()
    start = int(now.timestamp()) // period * period
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # e-mail addresses are not stored as such
    key = f"{scope}:{digest}:{start}"[:200]
    try:
        with transaction.atomic():
            row, created = RateCounter.objects.get_or_create(
                key=key, defaults={"window_start": datetime.fromtimestamp(start, tz=UTC)})
            RateCounter.objects.filter(pk=row.pk).update(count=F("count") + 1)
            count = RateCounter.objects.filter(pk=row.pk).values_list("count", flat=True).get()
        if created:  # a new window: yesterday's counters say nothing any more
            RateCounter.objects.filter(window_start__lt=now - timedelta(days=1)).delete()
    except DatabaseError:
        log.warning("rate limit %s not counted (database error); letting the request through", scope,
                    exc_info=True)
        return True
    if count > limit:
        log.warning("rate limit %s exceeded by %s (%d in %ds)", scope, ident if scope != "password_reset_email"
                    else digest, count, period)
        return False
    return True


def too_many(request, *, json: bool = False):
    message = _("Too many requests. Please wait a moment and try again.")
    response: HttpResponse
    if json:
        response = JsonResponse({"ok": False, "problems": [message]}, status=429)
    else:
        response = render(request, "accounts/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = "60"
    return response


def rate_limit(scope: str, rate: str, *, methods=("GET", "POST"), json: bool = False):
    """View decorator: at most `rate` requests of `methods` per client address."""
    def decorate(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method in methods and not hit(scope, client_address(request), rate):
                return too_many(request, json=json)
            return view(request, *args, **kwargs)
        return limited
    return decorate
