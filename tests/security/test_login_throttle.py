"""Login lockout keyed by user name and address together (finding 5), counted in the database (finding 2).

Five failures of one name from one address in 15 minutes lock that pair for 15 minutes; other
addresses, and other names at that address, are not locked. Many failures from one address slow that
address with a growing delay, which a browser that has logged in to the name before does not wait."""
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginFailure, SecurityEvent
from accounts.throttle import KNOWN_COOKIE, address_delay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-12345"
LOCKED = "登录失败次数过多"
LIMIT = settings.LOGIN_LOCK_FAILURES


def attempt(client, username, password, address="10.0.0.1", url=None, **extra):
    return client.post(url or reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address, **extra)


def logged_in(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_the_fifth_failure_locks_the_pair_even_with_the_right_password(client):
    user = UserFactory()
    for _ in range(LIMIT - 1):
        response = attempt(client, user.username, "wrong")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    fifth = attempt(client, user.username, "wrong")
    assert fifth.status_code == 429 and 'data-testid="login-locked"' in fifth.content.decode()
    assert "15 分钟后再试" in fifth.content.decode()

    right = attempt(client, user.username, PASSWORD)
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_fifteen_minutes(client):
    user = UserFactory()
    for _ in range(LIMIT):
        attempt(client, user.username, "wrong")
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert attempt(client, user.username, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client, user)


def test_a_success_clears_the_count(client):
    user = UserFactory()
    for _ in range(LIMIT - 1):
        attempt(client, user.username, "wrong")
    assert attempt(client, user.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        assert attempt(client, user.username, "wrong").status_code == 200
    assert attempt(client, user.username, PASSWORD).status_code == 302


def test_a_post_without_password_does_not_clear_the_count(client):
    user = UserFactory()
    for _ in range(LIMIT - 1):
        attempt(client, user.username, "wrong")
    attempt(client, user.username, "")
    assert attempt(client, user.username, "wrong").status_code == 429


def test_case_and_spaces_do_not_make_a_new_pair(client):
    user = UserFactory(username="zhangsan")
    for name in ("zhangsan", "ZhangSan", " zhangsan", "ZHANGSAN", "zhangsan "):
        attempt(client, name, "wrong")
    assert attempt(client, user.username, PASSWORD).status_code == 429


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(client):
    """An attacker cannot lock the officer out by failing from the attacker's own address."""
    officer = UserFactory(role="officer")
    for _ in range(LIMIT * 3):
        attempt(client, officer.username, "wrong", address="203.0.113.9")
    response = attempt(client, officer.username, PASSWORD, address="10.1.1.1")
    assert response.status_code == 302 and logged_in(client, officer)


def test_a_colleagues_lock_does_not_lock_others_at_the_same_address(client):
    colleague, officer = UserFactory(), UserFactory(role="officer")
    for _ in range(LIMIT):
        attempt(client, colleague.username, "wrong")
    assert attempt(client, colleague.username, PASSWORD).status_code == 429
    assert attempt(client, officer.username, PASSWORD).status_code == 302 and logged_in(client, officer)


def test_twenty_failures_at_an_address_do_not_lock_out_a_known_browser(client):
    """Finding 5: 20 failures from one address (one office NAT, or a proxy without
    LOGIN_THROTTLE_IP_HEADER) locked every account there, the officer's correct password included."""
    officer = UserFactory(role="officer")
    assert attempt(client, officer.username, PASSWORD).status_code == 302  # the officer's own browser
    client.post(reverse("logout"))
    intruder = client_class_copy(client)
    for index in range(20):
        attempt(intruder, f"guess{index}", "wrong")
    assert attempt(intruder, f"guess{index}", "wrong").status_code == 429  # the address waits now
    response = attempt(client, officer.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client, officer)


def test_many_failures_at_an_address_slow_new_browsers_for_a_bounded_time(client):
    officer = UserFactory(role="officer")
    for index in range(20):
        attempt(client, f"guess{index}", "wrong")
    assert attempt(client, officer.username, PASSWORD).status_code == 429
    assert attempt(client, officer.username, PASSWORD, address="10.0.0.2").status_code == 302
    client.post(reverse("logout"))
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.LOGIN_ADDRESS_MAX_DELAY_SECONDS + 1)):
        assert attempt(client, officer.username, PASSWORD).status_code == 302


def test_the_address_delay_grows_and_is_capped():
    free = settings.LOGIN_ADDRESS_FREE_FAILURES
    delays = [address_delay(n) for n in range(free - 1, free + 12)]
    assert delays[:2] == [0, 0] and delays[2] == 1 and delays[3] == 2 and delays[4] == 4
    assert delays == sorted(delays) and max(delays) == settings.LOGIN_ADDRESS_MAX_DELAY_SECONDS


def client_class_copy(client):
    """Another browser (no cookies) from the same address."""
    return type(client)()


def test_unknown_usernames_lock_the_same_way(client):
    """A lock must not tell an attacker which names exist."""
    for _ in range(LIMIT):
        attempt(client, "no-such-user", "wrong")
    assert LOCKED in attempt(client, "no-such-user", "wrong").content.decode()


def test_the_admin_login_is_throttled_too(client):
    staff = UserFactory(role="admin", is_staff=True)
    for _ in range(LIMIT):
        attempt(client, staff.username, "wrong", url=reverse("admin:login"))
    response = attempt(client, staff.username, PASSWORD, url=reverse("admin:login"))
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_count_does_not_live_in_the_cache(client):
    """Without CACHE_URL each gunicorn worker had its own count (16 guesses instead of 5): emptying the
    cache between attempts stands for the next request landing on another worker."""
    user = UserFactory()
    for _ in range(LIMIT):
        attempt(client, user.username, "wrong")
        cache.clear()
    assert attempt(client, user.username, PASSWORD).status_code == 429


def test_login_works_with_the_cache_down(client, settings):
    """Finding 2: with Redis down nobody could log in (500)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    user = UserFactory()
    assert attempt(client, user.username, "wrong").status_code == 200
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client, user)


def test_the_proxy_header_names_the_address(client, settings):
    settings.LOGIN_THROTTLE_IP_HEADER = "HTTP_X_REAL_IP"
    user = UserFactory()
    for _ in range(LIMIT):
        attempt(client, user.username, "wrong", address="10.9.9.9", HTTP_X_REAL_IP="198.51.100.1")
    assert attempt(client, user.username, PASSWORD, address="10.9.9.9", HTTP_X_REAL_IP="198.51.100.1").status_code == 429
    response = attempt(client, user.username, PASSWORD, address="10.9.9.9", HTTP_X_REAL_IP="198.51.100.2")
    assert response.status_code == 302
    assert LoginFailure.objects.get().ip_address == "198.51.100.1"


def test_failures_and_the_lockout_are_in_the_security_log(client):
    user = UserFactory()
    for _ in range(LIMIT):
        attempt(client, user.username, "wrong", HTTP_USER_AGENT="curl/8")
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds.count(SecurityEvent.Kind.LOGIN_FAILED) == LIMIT and kinds[-1] == SecurityEvent.Kind.LOCKED_OUT
    failed = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).first()
    assert (failed.username, failed.ip_address, failed.user_agent) == (user.username, "10.0.0.1", "curl/8")


def test_an_administrator_sees_and_resets_a_lockout(client):
    user = UserFactory()
    for _ in range(LIMIT):
        attempt(client, user.username, "wrong")
    admin_user = UserFactory(role="admin", is_staff=True, is_superuser=True)
    staff = type(client)()
    staff.force_login(admin_user)
    page = staff.get(reverse("admin:accounts_loginfailure_changelist") + "?locked=yes")
    assert page.status_code == 200 and user.username in page.content.decode()
    row = LoginFailure.objects.get()
    staff.post(reverse("admin:accounts_loginfailure_changelist"),
               {"action": "reset", "_selected_action": [row.pk]})
    assert not LoginFailure.objects.exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKOUT_RESET, username=user.username).exists()
    assert attempt(client, user.username, PASSWORD).status_code == 302


def test_a_forged_known_browser_cookie_is_ignored(client):
    officer = UserFactory(role="officer")
    for index in range(20):
        attempt(client, f"guess{index}", "wrong")
    client.cookies[KNOWN_COOKIE] = "forged"
    assert attempt(client, officer.username, PASSWORD).status_code == 429
