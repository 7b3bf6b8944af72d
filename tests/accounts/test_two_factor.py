"""The second factor (finding 9: none): required for officers, finance officers and administrators,
optional for the others; recovery codes work once. The suite runs with OTP_REQUIRED_ROLES=()
(config/settings/test.py); these tests turn the requirement on."""
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-12345"


@pytest.fixture(autouse=True)
def required(settings):
    settings.OTP_REQUIRED_ROLES = ("officer", "finance", "admin")


def code(device, at=None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = (at or timezone.now()).timestamp()
    return f"{totp.token():06d}"


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("two_factor_enrol"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two_factor_enrol"), {"token": code(device)})
    assert response.status_code == 200 and 'data-testid="recovery-codes"' in response.content.decode()
    return TOTPDevice.objects.get(user=user, confirmed=True), response.context["codes"]


def test_an_officer_without_a_device_is_sent_to_enrol(client):
    officer = UserFactory(role="officer")
    log_in(client, officer)
    response = client.get(reverse("projects:officer_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_enrol"))
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "<svg" in text and 'data-testid="otp-secret"' in text and "<script" not in text


def test_enrolment_shows_ten_recovery_codes_once_and_opens_the_pages(client):
    officer = UserFactory(role="officer")
    log_in(client, officer)
    device, codes = enrol(client, officer)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("projects:officer_list")).status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.OTP_ENROLLED, user=officer).exists()


def test_a_wrong_first_code_does_not_enrol(client):
    officer = UserFactory(role="officer")
    log_in(client, officer)
    client.get(reverse("two_factor_enrol"))
    response = client.post(reverse("two_factor_enrol"), {"token": "000000"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()


def enrolled_officer(client, role="officer"):
    officer = UserFactory(role=role, is_staff=role == "admin")
    log_in(client, officer)
    device, codes = enrol(client, officer)
    client.post(reverse("logout"))
    return officer, device, codes


@pytest.mark.parametrize("role, page", [("officer", "projects:officer_list"), ("finance", "finance:home"),
                                        ("admin", "admin:index")])
def test_with_a_device_no_staff_page_opens_before_the_code(client, role, page):
    officer, device, _ = enrolled_officer(client, role)
    later = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        log_in(client, officer)
        blocked = client.get(reverse(page))
        assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("two_factor_verify"))
        # A crafted POST is stopped too, before the view.
        assert client.post(reverse(page), {}).status_code == 302
        wrong = client.post(reverse("two_factor_verify"), {"token": "123456"})
        assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
        # django-otp makes the next try wait a moment after a wrong code.
        assert "次数过多" in client.post(reverse("two_factor_verify"), {"token": code(device, later)}).content.decode()
    later += timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        right = client.post(reverse("two_factor_verify") + "?next=" + reverse(page), {"token": code(device, later)})
        assert right.status_code == 302 and right["Location"] == reverse(page)
        assert client.get(reverse(page)).status_code == 200
    kinds = set(SecurityEvent.objects.filter(user=officer).values_list("kind", flat=True))
    assert {SecurityEvent.Kind.OTP_FAILED, SecurityEvent.Kind.OTP_VERIFIED} <= kinds


def test_a_recovery_code_works_once(client):
    officer, device, codes = enrolled_officer(client)
    log_in(client, officer)
    assert client.post(reverse("two_factor_verify"), {"token": codes[0].upper()}).status_code == 302
    assert client.get(reverse("projects:officer_list")).status_code == 200
    client.post(reverse("logout"))
    log_in(client, officer)
    again = client.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert again.status_code == 200
    assert client.get(reverse("projects:officer_list")).status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.OTP_RECOVERY_USED, user=officer).count() == 1


def test_an_applicant_is_not_forced_but_may_enrol_and_is_then_asked(client):
    member = UserFactory(role="applicant")
    log_in(client, member)
    assert client.get(reverse("notifications")).status_code == 200
    device, _ = enrol(client, member)
    client.post(reverse("logout"))
    later = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        log_in(client, member)
        assert client.get(reverse("notifications")).status_code == 302
        client.post(reverse("two_factor_verify"), {"token": code(device, later)})
        assert client.get(reverse("notifications")).status_code == 200


def test_an_administrator_resets_a_lost_authenticator(client):
    officer, _, _ = enrolled_officer(client)
    admin_user = UserFactory(role="admin", is_staff=True, is_superuser=True)
    staff = type(client)()
    staff.force_login(admin_user)
    session = staff.session
    session["yc_otp_needed"] = False  # this test is about the action, not the administrator's own code
    session.save()
    staff.post(reverse("admin:accounts_user_changelist"), {"action": "reset_second_factor",
                                                           "_selected_action": [officer.pk]})
    assert not TOTPDevice.objects.filter(user=officer).exists()
    log_in(client, officer)
    response = client.get(reverse("projects:officer_list"))
    assert response["Location"].startswith(reverse("two_factor_enrol"))
