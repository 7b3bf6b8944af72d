from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grants.models import Membership, Organization, OrgType
from tests.builders import PDF
from tests.factories import OrganizationFactory, credit_code


def _data(**over):
    name = over.pop("name", "温州市测试注册社工中心")
    data = {"name": name, "credit_code": credit_code("2"), "org_type": OrgType.SOCIAL_SERVICE,
            "registration_date": "2020-01-01", "district": "鹿城区", "contact_name": "王", "contact_phone": "139",
            "bank_account_name": name, "bank_name": "温州银行", "bank_account_no": "62284800001", "bank_code": "313333000011",
            "username": "neworg", "email": "n@example.org", "display_name": "王", "password1": "Longer-pass-2024",
            "password2": "Longer-pass-2024"}
    data.update(over)
    return data


def test_registration_creates_org_user_and_manager_membership(client, db):
    response = client.post(reverse("applicant:register"), _data())
    assert response.status_code == 302 and response["Location"] == reverse("applicant:dashboard")
    m = Membership.objects.get(user__username="neworg")
    assert m.is_manager and m.organization.name == "温州市测试注册社工中心" and m.user.role == "applicant"


def test_every_problem_is_reported_at_once(client, db):
    response = client.post(reverse("applicant:register"), _data(credit_code="51420000MJH2003664",
                                                                bank_account_name="别的名字", password2="x"))
    body = response.content.decode()
    assert "统一社会信用代码校验位应为" in body
    assert "必须与机构登记名称「温州市测试注册社工中心」一致" in body
    assert "两次输入的密码不一致" in body
    assert not Organization.objects.filter(name="温州市测试注册社工中心").exists()


def test_community_organization_is_paid_through_its_host(client, db):
    host = OrganizationFactory()
    data = _data(name="五马街道长者互助会", org_type=OrgType.COMMUNITY, credit_code="", host_credit_code=host.credit_code,
                 bank_account_name="五马街道长者互助会")
    body = client.post(reverse("applicant:register"), data).content.decode()
    assert "必须与依托单位名称" in body
    data["bank_account_name"] = host.name
    assert client.post(reverse("applicant:register"), data).status_code == 302
    assert Organization.objects.get(name="五马街道长者互助会").payee == host


def test_rating_needs_a_real_certificate(client, db):
    data = _data(rating="4", rating_valid_until="2028-01-01")
    data["rating_certificate_file"] = SimpleUploadedFile("证书.pdf", b"not a pdf")
    assert "评估等级证书只接受 PDF、JPG、PNG 文件" in client.post(reverse("applicant:register"), data).content.decode()
    data["rating_certificate_file"] = SimpleUploadedFile("证书.pdf", PDF)
    assert client.post(reverse("applicant:register"), data).status_code == 302
    assert Organization.objects.get(name="温州市测试注册社工中心").rating_certificate_name == "证书.pdf"


def test_live_credit_code_check(client, db):
    existing = OrganizationFactory()
    url = reverse("applicant:check_credit_code")
    assert client.get(url, {"code": "91350200776049653a"}).json()["ok"] is True
    assert "校验位" in client.get(url, {"code": "51420000MJH2003664"}).json()["problems"][0]
    assert "已注册" in client.get(url, {"code": existing.credit_code}).json()["problems"][0]


def test_password_reset_sends_email(client, db, django_capture_on_commit_callbacks):
    from django.core import mail

    client.post(reverse("applicant:register"), _data())
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):  # the mail is queued once the request commits
        client.post(reverse("password_reset"), {"email": "n@example.org"})
    assert len(mail.outbox) == 1 and "/reset/" in mail.outbox[0].body


def test_credit_code_pasted_with_spaces_is_tidied_not_refused(db):
    from grants.forms import RegistrationForm

    form = RegistrationForm(data={"credit_code": " 5342 0000 MJH2 4483 03 "})
    form.is_valid()
    assert "credit_code" not in form.errors
    assert form.cleaned_data["credit_code"] == "53420000MJH2448303"
