"""Password reset is throttled and answers known and unknown addresses alike (finding 5); the anonymous
doors (registration, the credit-code check, the 公示 PDF) are rate-limited (finding 4)."""
from unittest import mock

import pytest
from django.core import mail
from django.db import DatabaseError
from django.urls import reverse

from accounts import ratelimit, tasks
from accounts.models import SecurityEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def reset(client, email, address="10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_work(client, django_capture_on_commit_callbacks):
    UserFactory(email="known@example.org")
    with mock.patch.object(tasks.send_password_reset, "apply_async") as queued, \
            django_capture_on_commit_callbacks(execute=True):
        known = reset(client, "known@example.org")
        unknown = reset(client, "nobody@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.content == unknown.content
    # The request only queues a task, for both: the lookup and the mail happen in the worker.
    assert [c.kwargs["args"][0] for c in queued.call_args_list] == ["known@example.org", "nobody@example.org"]
    assert mail.outbox == []


def test_the_worker_mails_only_known_addresses():
    UserFactory(email="known@example.org")
    tasks.send_password_reset("known@example.org", "example.org", True)
    tasks.send_password_reset("nobody@example.org", "example.org", True)
    assert len(mail.outbox) == 1 and "https://example.org/reset/" in mail.outbox[0].body


def test_resets_are_throttled_per_address_with_the_same_answer(client, settings, django_capture_on_commit_callbacks):
    UserFactory(email="known@example.org")
    settings.PASSWORD_RESET_RATE = "3/h"
    with django_capture_on_commit_callbacks(execute=True):
        answers = [reset(client, "known@example.org") for _ in range(5)]
    assert len({(a.status_code, a["Location"]) for a in answers}) == 1
    assert len(mail.outbox) == 3
    throttled = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED, detail__throttled=True)
    assert throttled.count() == 2


def test_resets_for_one_address_are_throttled_from_many_addresses(client, settings, django_capture_on_commit_callbacks):
    UserFactory(email="known@example.org")
    settings.PASSWORD_RESET_RATE = "3/h"
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(6):
            reset(client, "known@example.org", address=f"10.0.1.{index}")
    assert len(mail.outbox) == 3


def test_the_credit_code_check_is_rate_limited(client):
    url = reverse("applicant:check_credit_code")
    for _ in range(60):
        assert client.get(url, {"code": "x"}).status_code == 200
    over = client.get(url, {"code": "x"})
    assert over.status_code == 429 and over.json()["ok"] is False
    assert client.get(url, {"code": "x"}, REMOTE_ADDR="10.7.7.7").status_code == 200


def test_registration_posts_are_rate_limited(client):
    url = reverse("applicant:register")
    for _ in range(20):
        assert client.post(url, {}).status_code == 200
    over = client.post(url, {})
    assert over.status_code == 429 and 'data-testid="rate-limited"' in over.content.decode()
    assert client.get(url).status_code == 200  # reading the form is not limited


def test_the_public_pdf_is_rate_limited_per_address(client, world):
    url = reverse("reviewers:publicity_pdf", args=[world.round.pk])
    with mock.patch.object(ratelimit, "hit", return_value=False):
        response = client.get(url)
    assert response.status_code == 429 and response["Retry-After"] == "60"


def test_limits_count_across_workers_and_fail_open(client):
    assert all(ratelimit.hit("t", "a", "2/m") for _ in range(2)) and not ratelimit.hit("t", "a", "2/m")
    with mock.patch.object(ratelimit.RateCounter.objects, "get_or_create", side_effect=DatabaseError("gone")):
        assert ratelimit.hit("t", "a", "2/m") is True


def test_the_reset_link_applies_the_rules_and_is_logged(client):
    user = UserFactory(email="known@example.org")
    tasks.send_password_reset("known@example.org", "testserver", False)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    form_url = client.get(link.replace("http://testserver", ""))["Location"]
    weak = client.post(form_url, {"new_password1": "zzzzzzzz9", "new_password2": "zzzzzzzz9"})
    assert weak.status_code == 200
    done = client.post(form_url, {"new_password1": "Lu-cheng-2031", "new_password2": "Lu-cheng-2031"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Lu-cheng-2031")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user).exists()
