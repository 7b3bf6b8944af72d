"""Security headers on every response, a clear 503 page when the database is unreachable, and a
400 for input no database column can hold."""
import base64
import hashlib
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponseBadRequest, JsonResponse
from django.template.response import SimpleTemplateResponse

log = logging.getLogger(__name__)

# Like the services' rule messages, fixed Chinese text: the one thing a person must read on that page.
DATABASE_UNAVAILABLE = "数据库暂时无法连接，您填写的内容未丢失，请稍后重试"
NUL_CHARACTER = "提交的内容含有无效的控制字符（NUL），请删除后重新提交"

# Inline event handlers other templates still use, allowed one by one by their hash ('unsafe-hashes'),
# so no other inline script can run: templates/monitoring/dashboard.html (print button) and
# templates/finance/_round_picker.html (submit on change). Moving them into static/js files
# lets this list shrink; tests/security/test_headers.py fails when a new one appears.
INLINE_HANDLERS = ("window.print()", "this.form.submit()")


def script_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-hashes' " + " ".join(script_hash(h) for h in INLINE_HANDLERS),
    # style="width:…" on gauges and progress bars, and the admin's one <style>: styles cannot run script.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)


class SecurityHeadersMiddleware:
    """Adds what Django 5.2's SecurityMiddleware does not (CSP, Permissions-Policy), and makes sure
    of Referrer-Policy and nosniff whatever the settings say."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


class DatabaseUnavailableMiddleware:
    """A lost database connection is a 503 with a page that says what happened and that nothing
    typed is lost (the application form keeps its drafts in the browser until the server saves
    them), instead of the generic 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log.error("database unavailable during %s %s", request.method, request.path, exc_info=exception)
        response = SimpleTemplateResponse("503.html", {"message": DATABASE_UNAVAILABLE}, status=503)
        response["Retry-After"] = "30"
        return response.render()


class RejectNulCharactersMiddleware:
    """PostgreSQL cannot store a NUL character; Django's form fields refuse it, but the row editors
    (budget, milestones, spending) read the POST directly. One answer for every endpoint: 400 with a
    message (JSON for the autosave script, which then shows it) instead of a database error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        data = request.POST if request.method == "POST" else request.GET
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists()):
            if request.headers.get("X-Autosave") == "1":
                return JsonResponse({"saved": False, "complete": False, "problems": [NUL_CHARACTER]}, status=400)
            return HttpResponseBadRequest(NUL_CHARACTER, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
