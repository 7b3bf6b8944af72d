"""The organization record kept right (issue 15), through HTTP: contact edited directly and audited;
rating and registration corrections approved by an officer with evidence, before/after kept;
registration refuses impossible data; the officer's verification gates submission."""
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core import calendar
from grants.models import Organization
from grants.organization_changes import OrganizationChangeRequest, OrganizationEvent, OrganizationVerification
from projects.models import Project
from projects.states import State
from tests.builders import PDF, World
from tests.factories import credit_code


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return World()


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_contact_is_saved_at_once_and_audited_before_after(world):
    org = world.org
    old_phone = org.contact_phone
    response = _login(world.member).post(reverse("applicant:organization"), {
        "action": "contact", "contact-address": "鹿城区五马街88号", "contact-contact_name": "陈红",
        "contact-contact_phone": "0577-88886666"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.address, org.contact_name, org.contact_phone) == ("鹿城区五马街88号", "陈红", "0577-88886666")
    event = OrganizationEvent.objects.get(organization=org, action="contact_changed")
    assert event.actor == world.member and event.before["contact_phone"] == old_phone
    assert event.after["contact_phone"] == "0577-88886666"
    history = _login(world.member).get(reverse("applicant:organization")).content.decode()
    assert f"{old_phone} → 0577-88886666" in history


def test_contact_refuses_control_characters_and_keeps_the_typed_text(world):
    body = _login(world.member).post(reverse("applicant:organization"), {
        "action": "contact", "contact-address": "a\u0007b", "contact-contact_name": "陈红",
        "contact-contact_phone": "0577"}).content.decode()
    assert "控制字符" in body and "陈红" in body
    assert not OrganizationEvent.objects.filter(action="contact_changed").exists()


def test_another_organizations_member_cannot_touch_the_record(world):
    _other, stranger = world.new_org()
    _login(stranger).post(reverse("applicant:organization"), {
        "action": "contact", "contact-address": "x", "contact-contact_name": "坏人", "contact-contact_phone": "1"})
    world.org.refresh_from_db()
    assert world.org.contact_name != "坏人"


def _rating_request(client, **over):
    data = {"action": "rating", "rating-rating": "4", "rating-rating_valid_until": "2030-06-30",
            "rating-reason": "2025年评估升为4A", "rating-evidence": SimpleUploadedFile("4A证书.pdf", PDF)}
    data.update(over)
    return client.post(reverse("applicant:organization"), data)


def test_rating_change_waits_for_the_officer_then_applies_with_before_and_after(world):
    org = world.org
    before = org.rating
    assert _rating_request(_login(world.member)).status_code == 302
    org.refresh_from_db()
    assert org.rating == before  # nothing changes until the officer approves
    change = OrganizationChangeRequest.objects.get(organization=org)
    assert change.state == "pending" and change.after == {"rating": 4, "rating_valid_until": "2030-06-30"}
    officer = _login(world.officer)
    page = officer.get(reverse("organizations:review")).content.decode()
    assert org.name in page and "4A证书.pdf" in page and "4A" in page
    assert officer.get(reverse("organizations:evidence", args=[change.pk])).status_code == 200
    officer.post(reverse("organizations:decide", args=[change.pk]), {"decision": "approve"})
    org.refresh_from_db()
    change.refresh_from_db()
    assert org.rating == 4 and org.rating_valid_until == date(2030, 6, 30)
    assert org.rating_certificate_name == "4A证书.pdf"
    assert change.state == "approved" and change.decided_by == world.officer
    assert change.before["rating"] == before
    event = OrganizationEvent.objects.get(organization=org, action="rating_change_approved")
    assert event.before == change.before and event.after == change.after


def test_rejection_needs_a_reason_and_changes_nothing(world):
    _rating_request(_login(world.member))
    change = OrganizationChangeRequest.objects.get()
    officer = _login(world.officer)
    officer.post(reverse("organizations:decide", args=[change.pk]), {"decision": "reject", "comment": ""})
    change.refresh_from_db()
    assert change.state == "pending"
    officer.post(reverse("organizations:decide", args=[change.pk]), {"decision": "reject", "comment": "证书与机构名称不符"})
    change.refresh_from_db()
    assert change.state == "rejected"
    world.org.refresh_from_db()
    assert world.org.rating != 4 or change.before["rating"] == 4


def test_a_member_cannot_decide_and_evidence_is_not_for_strangers(world):
    _rating_request(_login(world.member))
    change = OrganizationChangeRequest.objects.get()
    _login(world.member).post(reverse("organizations:decide", args=[change.pk]), {"decision": "approve"})
    change.refresh_from_db()
    assert change.state == "pending"
    _other, stranger = world.new_org()
    assert _login(stranger).get(reverse("organizations:evidence", args=[change.pk])).status_code == 404


def test_change_request_needs_real_evidence(world):
    body = _rating_request(_login(world.member), **{
        "rating-evidence": SimpleUploadedFile("证书.pdf", b"not really a pdf")}).content.decode()
    assert "证明材料只接受 PDF、JPG、PNG 文件" in body
    assert not OrganizationChangeRequest.objects.exists()


def test_registration_facts_change_refuses_a_future_date(world):
    future = calendar.today() + timedelta(days=3)
    body = _login(world.member).post(reverse("applicant:organization"), {
        "action": "registration", "registration-credit_code": world.org.credit_code,
        "registration-org_type": world.org.org_type, "registration-registration_date": future.isoformat(),
        "registration-district": "鹿城区", "registration-reason": "登记证书换发",
        "registration-evidence": SimpleUploadedFile("登记证书.pdf", PDF)}).content.decode()
    assert "晚于今天" in body
    assert not OrganizationChangeRequest.objects.exists()


def test_registration_facts_change_approved_keeps_before_and_after(world):
    org = world.org
    old_date = org.registration_date
    _login(world.member).post(reverse("applicant:organization"), {
        "action": "registration", "registration-credit_code": org.credit_code, "registration-org_type": org.org_type,
        "registration-registration_date": "2015-03-02", "registration-district": "龙湾区",
        "registration-reason": "登记日期录入有误", "registration-evidence": SimpleUploadedFile("登记证书.png", PNG)})
    change = OrganizationChangeRequest.objects.get(kind="registration")
    _login(world.officer).post(reverse("organizations:decide", args=[change.pk]), {"decision": "approve"})
    org.refresh_from_db()
    assert org.registration_date == date(2015, 3, 2) and org.district == "龙湾区"
    change.refresh_from_db()
    assert change.before["registration_date"] == (old_date.isoformat() if old_date else None)
    assert change.after["registration_date"] == "2015-03-02"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# ---------------------------------------------------------------- registration refusals

def _registration(**over):
    name = over.pop("name", "温州市拒绝测试社工中心")
    data = {"name": name, "credit_code": credit_code("2"), "org_type": "social_service",
            "registration_date": "2020-01-01", "district": "鹿城区", "contact_name": "王", "contact_phone": "139",
            "bank_account_name": name, "bank_name": "温州银行", "bank_account_no": "62284800001",
            "bank_code": "313333000011", "username": "refused", "email": "r@example.org", "display_name": "王",
            "password1": "Longer-pass-2024", "password2": "Longer-pass-2024"}
    data.update(over)
    return data


@pytest.mark.parametrize("over, message", [
    ({"registration_date": "2030-01-01"}, "晚于今天"),
    ({"name": "😀😀😀", "bank_account_name": "😀😀😀"}, "表情符号"),
    ({"name": "温州市\u200d测试中心", "bank_account_name": "温州市\u200d测试中心"}, "不可见字符"),
    ({"name": "温州市测试\n中心", "bank_account_name": "温州市测试\n中心"}, "控制字符"),
    ({"bank_account_no": "abc-not-a-number"}, "银行账号只能由数字组成"),
    ({"bank_code": "３１３３３３０００００１"}, "联行号只能使用半角数字"),
    ({"bank_code": "31333300001"}, "联行号应为12位数字"),
])
def test_registration_refuses_impossible_data(client, db, over, message):
    response = client.post(reverse("applicant:register"), _registration(**over))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organization.objects.filter(membership__user__username="refused").exists()


def test_registration_today_is_fine_and_waits_for_verification(client, db, settings):
    settings.ORGANIZATION_VERIFICATION_REQUIRED = True
    response = client.post(reverse("applicant:register"), _registration(registration_date=calendar.today().isoformat()),
                           follow=True)
    assert "核实" in response.content.decode()
    org = Organization.objects.get(name="温州市拒绝测试社工中心")
    assert not OrganizationVerification.objects.filter(organization=org).exists()
    assert OrganizationEvent.objects.filter(organization=org, action="registered").exists()


# ---------------------------------------------------------------- verification gate

def test_unverified_organization_cannot_submit_even_by_a_crafted_post(world, settings):
    settings.ORGANIZATION_VERIFICATION_REQUIRED = True
    draft = world.draft()
    client = _login(world.member)
    response = client.post(reverse("applicant:submit", args=[draft.pk]), {"confirm": "1"}, follow=True)
    assert "尚待项目管理员核实" in response.content.decode()
    assert Project.objects.get(pk=draft.pk).state == State.DRAFT
    _login(world.officer).post(reverse("organizations:verify", args=[world.org.pk]))
    assert OrganizationVerification.objects.filter(organization=world.org, verified_by=world.officer).exists()
    client.post(reverse("applicant:submit", args=[draft.pk]), {"confirm": "1"})
    assert Project.objects.get(pk=draft.pk).state == State.SUBMITTED


def test_without_the_setting_no_verification_is_needed(world, settings):
    settings.ORGANIZATION_VERIFICATION_REQUIRED = False
    draft = world.draft()
    _login(world.member).post(reverse("applicant:submit", args=[draft.pk]), {"confirm": "1"})
    assert Project.objects.get(pk=draft.pk).state == State.SUBMITTED


def test_only_officers_verify(world):
    _login(world.member).post(reverse("organizations:verify", args=[world.org.pk]))
    assert not OrganizationVerification.objects.filter(organization=world.org).exists()


def test_change_password_is_in_every_menu(world):
    for user in (world.member, world.officer, world.finance):
        body = _login(user).get(reverse("notifications")).content.decode()
        assert reverse("password_change") in body
