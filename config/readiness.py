"""/readyz: may this process take traffic? Every dependency a user action needs, each checked.

/healthz (accounts.views) stays the liveness probe: it touches nothing, so a database outage does
not make the orchestrator kill healthy processes in a loop. /readyz answers 503 with the list of
what failed, so the load balancer stops sending requests here until it recovers. Reasons name the
failed check and the exception class only: the endpoint is public and must not describe the setup.
"""
import logging
import os
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from core import storage
from documents.fonts import cjk_families

log = logging.getLogger(__name__)
BROKER_TIMEOUT = 2


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not keep a value")
    cache.delete(key)


def check_broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return  # eager mode: jobs run in-process, there is no broker to lose
    # The configured URL, not a pooled connection that may still point at an earlier one.
    with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)


def check_media() -> None:
    """A file can be written, read back and removed in the storage uploads go to (disk or object store)."""
    store = storage.protected()
    probe = store.save(f"readyz/{os.getpid()}-{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with store.open(probe, "rb") as fh:
            if fh.read() != b"ok":
                raise OSError("media storage returned other content than was written")
    finally:
        store.delete(probe)


def check_fonts() -> None:
    cjk_families()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database, "cache": check_cache, "broker": check_broker,
    "media": check_media, "fonts": check_fonts,
}


def run_checks() -> dict[str, str]:
    """{check: "ok" or the reason it failed}."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:
            log.warning("readiness check %s failed", name, exc_info=True)
            results[name] = f"failed: {type(exc).__name__}"
        else:
            results[name] = "ok"
    return results


@never_cache
@require_GET
def readyz(request):
    results = run_checks()
    failed = sorted(name for name, outcome in results.items() if outcome != "ok")
    return JsonResponse({"ready": not failed, "failed": failed, "checks": results}, status=503 if failed else 200)
