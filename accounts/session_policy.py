"""What a logged-in session may do, checked on every request: it ends after SESSION_IDLE_TIMEOUT_SECONDS
without a request or SESSION_ABSOLUTE_TIMEOUT_SECONDS after login; a person who must use a second
factor (or has enrolled one) reaches nothing but the code pages until the code is verified; a person
whose password has expired (PASSWORD_MAX_AGE_DAYS) reaches nothing but the change-password page."""
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from accounts import security, two_factor
from accounts.passwords import password_expired
from core import ajax

LOGIN_AT = "yc_login_at"
SEEN_AT = "yc_seen_at"
OTP_NEEDED = "yc_otp_needed"
SEEN_RESOLUTION = 60  # seconds: the session is written at most once a minute for the idle clock
SESSION_EXPIRED = "登录已失效，请重新登录"

# Pages an unverified or expired-password session may still open.
OPEN = {"login", "logout", "password_change", "two_factor_enrol", "two_factor_verify", "set_language",
        "healthz", "readyz", "password_reset", "password_reset_done", "password_reset_confirm",
        "password_reset_complete", "admin:logout"}


def start(request, user) -> None:
    """Called at login (accounts.signals): the clocks start and the second-factor need is noted."""
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    request.session[OTP_NEEDED] = two_factor.required_for(user) or two_factor.enrolled(user)


def _url_name(request) -> str:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return match.view_name


def _with_next(name: str, request) -> str:
    target = request.get_full_path() if request.method == "GET" else request.path
    return f"{reverse(name)}?{urlencode({'next': target})}"


class AccountPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        session, now = request.session, int(time.time())
        login_at = session.setdefault(LOGIN_AT, now)  # sessions from before this rule start now
        seen_at = session.get(SEEN_AT, now)
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT_SECONDS or now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS:
            return self._expired(request, idle=now - seen_at, age=now - login_at)
        if now - seen_at >= SEEN_RESOLUTION or SEEN_AT not in session:
            session[SEEN_AT] = now
        if OTP_NEEDED not in session:
            session[OTP_NEEDED] = two_factor.required_for(user) or two_factor.enrolled(user)
        # The page's name only when a rule applies: resolving the path again costs a few percent of an
        # autosave, and nearly every request passes both rules.
        if session[OTP_NEEDED] and not user.is_verified() and _url_name(request) not in OPEN:
            return redirect(_with_next("two_factor_verify" if two_factor.enrolled(user) else "two_factor_enrol", request))
        if password_expired(user) and _url_name(request) not in OPEN:
            messages.warning(request, "您的密码已过期，请设置新密码后继续")
            return redirect(_with_next("password_change", request))
        return self.get_response(request)

    def _expired(self, request, *, idle: int, age: int):
        security.record(security.Kind.SESSION_EXPIRED, request=request, idle_seconds=idle, age_seconds=age)
        logout(request)
        if ajax.wants_json(request):  # autosave: says "登录已失效" and keeps the text, rather than a redirect
            return ajax.session_expired(reverse("login"))
        messages.warning(request, SESSION_EXPIRED)
        if request.method == "GET":
            return self.get_response(request)  # a page that needs a login sends to it; a public page shows
        # A form posted into an ended session is not acted on: back to the login page, then the form.
        target = request.path
        referer = request.headers.get("Referer", "")
        if referer.startswith(request.build_absolute_uri("/")):
            target = referer[len(request.build_absolute_uri("/")) - 1:]
        return redirect(f"{reverse('login')}?{urlencode({'next': target})}")
