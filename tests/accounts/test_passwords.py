"""Password rules (finding 9: `zzzzzzzz9` was accepted), the change-password page every role has,
and the optional expiry."""
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import SecurityEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
OLD = "pass-12345"


def problems(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.parametrize("weak", ["zzzzzzzz9", "abcdefgh", "ABCDEFG1", "short1A", "Password1"])
def test_weak_passwords_are_refused(weak):
    assert problems(weak)


def test_three_classes_of_eight_or_more_pass():
    assert problems("Qiao-lin7x") == [] and problems("wz7#river!") == []


def test_the_messages_are_chinese():
    assert any("四类中的 3 类" in p for p in problems("zzzzzzzz9"))


def test_a_password_like_the_user_name_is_refused():
    user = UserFactory.build(username="wenzhou2024", email="wz@example.org")
    assert problems("Wenzhou2024", user)


@pytest.mark.parametrize("role", ["applicant", "expert", "evaluator", "officer", "finance", "admin"])
def test_every_role_changes_its_own_password(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "四类中的 3 类" in page.content.decode()
    response = client.post(reverse("password_change"), {
        "old_password": OLD, "new_password1": "Lu-cheng-2031", "new_password2": "Lu-cheng-2031"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Lu-cheng-2031") and user.password_changed_at is not None
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user).exists()
    assert client.get(reverse("notifications")).status_code == 200  # the session stays


def test_a_weak_new_password_or_a_wrong_old_one_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    weak = client.post(reverse("password_change"), {
        "old_password": OLD, "new_password1": "zzzzzzzz9", "new_password2": "zzzzzzzz9"})
    assert weak.status_code == 200 and "四类中的 3 类" in weak.content.decode()
    wrong = client.post(reverse("password_change"), {
        "old_password": "nope", "new_password1": "Lu-cheng-2031", "new_password2": "Lu-cheng-2031"})
    assert wrong.status_code == 200
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_expiry_is_off_by_default(client):
    user = UserFactory()
    with time_machine.travel(timezone.now() + timedelta(days=3650)):
        client.force_login(user)
        assert client.get(reverse("notifications")).status_code == 200


def test_an_expired_password_sends_to_the_change_page_until_changed(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = UserFactory()
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        response = client.post(reverse("login"), {"username": user.username, "password": OLD})
        assert response.status_code == 302
        blocked = client.get(reverse("notifications"))
        assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("password_change"))
        page = client.get(blocked["Location"])
        assert 'data-testid="password-expired"' in page.content.decode()
        client.post(reverse("password_change"), {
            "old_password": OLD, "new_password1": "Lu-cheng-2031", "new_password2": "Lu-cheng-2031"})
        assert client.get(reverse("notifications")).status_code == 200
