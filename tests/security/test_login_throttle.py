"""Five failed logins in 15 minutes lock the username for 15 minutes; a success clears the count."""
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.throttle import ADDRESS_LIMIT, USERNAME_LIMIT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-12345"
LOCKED = "登录失败次数过多"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def attempt(client, username, password, address="10.0.0.1", url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_the_fifth_failure_locks_even_the_right_password_out(client):
    user = UserFactory()
    for _ in range(USERNAME_LIMIT - 1):
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
    for _ in range(USERNAME_LIMIT):
        attempt(client, user.username, "wrong")
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert attempt(client, user.username, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_a_success_clears_the_count(client):
    user = UserFactory()
    for _ in range(USERNAME_LIMIT - 1):
        attempt(client, user.username, "wrong")
    assert attempt(client, user.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(USERNAME_LIMIT - 1):
        assert attempt(client, user.username, "wrong").status_code == 200
    assert attempt(client, user.username, PASSWORD).status_code == 302


def test_a_post_without_password_does_not_clear_the_count(client):
    user = UserFactory()
    for _ in range(USERNAME_LIMIT - 1):
        attempt(client, user.username, "wrong")
    attempt(client, user.username, "")
    assert attempt(client, user.username, "wrong").status_code == 429


def test_the_lock_is_per_username_case_and_spaces_aside(client):
    user, other = UserFactory(username="zhangsan"), UserFactory()
    for name in ("zhangsan", "ZhangSan", " zhangsan", "ZHANGSAN", "zhangsan "):
        attempt(client, name, "wrong", address=f"10.0.0.{len(name)}")
    assert attempt(client, user.username, PASSWORD, address="10.9.9.9").status_code == 429
    assert attempt(client, other.username, PASSWORD, address="10.9.9.9").status_code == 302


def test_unknown_usernames_lock_the_same_way(client):
    """A lock must not tell an attacker which names exist."""
    for _ in range(USERNAME_LIMIT):
        attempt(client, "no-such-user", "wrong")
    assert LOCKED in attempt(client, "no-such-user", "wrong").content.decode()


def test_an_address_guessing_across_many_usernames_is_locked(client):
    user = UserFactory()
    for index in range(ADDRESS_LIMIT):
        attempt(client, f"guess{index}", "wrong", address="192.0.2.7")
    assert attempt(client, user.username, PASSWORD, address="192.0.2.7").status_code == 429
    assert attempt(client, user.username, PASSWORD, address="192.0.2.8").status_code == 302


def test_the_admin_login_is_throttled_too(client):
    staff = UserFactory(role="admin", is_staff=True)
    for _ in range(USERNAME_LIMIT):
        attempt(client, staff.username, "wrong", url=reverse("admin:login"))
    response = attempt(client, staff.username, PASSWORD, url=reverse("admin:login"))
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
