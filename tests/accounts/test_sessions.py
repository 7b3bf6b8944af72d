"""Sessions end after 30 idle minutes and 12 hours after login (finding 9: two weeks, no idle limit)."""
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import SecurityEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EXPIRED = "登录已失效，请重新登录"


def signed_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": "pass-12345"})
    assert response.status_code == 302


def test_activity_keeps_the_session_and_idleness_ends_it(client):
    user = UserFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signed_in(client, user)
    for minutes in (20, 40, 60):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("notifications")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=60 + 31), tick=False):
        response = client.get(reverse("notifications"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_EXPIRED, user=user).exists()


def test_the_absolute_limit_ends_even_a_busy_session(client):
    user = UserFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signed_in(client, user)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("notifications")).status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5), tick=False):
        assert client.get(reverse("notifications")).status_code == 302


def test_a_post_into_an_expired_session_goes_to_the_login_page_with_a_message(client):
    user = UserFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signed_in(client, user)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.post(reverse("notifications_read"), {"next": "/"},
                               HTTP_REFERER="http://testserver/notifications/")
        assert response.status_code == 302
        assert response["Location"] == reverse("login") + "?next=%2Fnotifications%2F"
        page = client.get(response["Location"])
    text = page.content.decode()
    assert EXPIRED in text and 'value="/notifications/"' in text
    assert "_auth_user_id" not in client.session


def test_the_settings_are_configurable(client, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 5 * 60
    user = UserFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signed_in(client, user)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert client.get(reverse("notifications")).status_code == 302
