"""Bank fields wherever they are typed (registration, the admin's organization page, a change request):
联行号 in ASCII digits only, the account number validated and stored without its grouping, so the bank's
result file (finance.bank_results) matches it."""
import pytest
from django.urls import reverse

from finance import services as finance_services
from grants.models import Organization, OrgType
from tests.admin_forms import form_values, superuser
from tests.factories import OrganizationFactory, credit_code, member_of

pytestmark = pytest.mark.django_db

FULL_WIDTH = "３１３３３３００００１１"


def registration(**over) -> dict:
    name = "温州市银行字段测试社工中心"
    data = {"name": name, "credit_code": credit_code("2"), "org_type": OrgType.SOCIAL_SERVICE,
            "registration_date": "2020-01-01", "district": "鹿城区", "contact_name": "王", "contact_phone": "139",
            "bank_account_name": name, "bank_name": "温州银行", "bank_account_no": "6228 4800-0012 3456",
            "bank_code": "313333000011", "username": "bankorg", "email": "b@example.org", "display_name": "王",
            "password1": "Longer-pass-2024", "password2": "Longer-pass-2024"}
    return {**data, **over}


def test_registration_stores_the_account_number_without_its_grouping(client):
    response = client.post(reverse("applicant:register"), registration())
    assert response.status_code == 302
    org = Organization.objects.get(name="温州市银行字段测试社工中心")
    assert (org.bank_account_no, org.bank_code) == ("6228480000123456", "313333000011")


@pytest.mark.parametrize("field, value, problem", [
    ("bank_code", FULL_WIDTH, f"联行号只能使用半角数字0-9，「{FULL_WIDTH}」中含有全角或其他文字的数字"),
    ("bank_code", "١٠٢٣٣٣٠٠٠٠١١", "联行号只能使用半角数字0-9"),
    ("bank_account_no", "６２２８４８０００１２", "银行账号只能使用半角数字0-9"),
    ("bank_account_no", "1234567", "银行账号应为8至30位数字，实际为7位"),
])
def test_registration_refuses_what_a_bank_file_cannot_carry(client, field, value, problem):
    response = client.post(reverse("applicant:register"), registration(**{field: value}))
    assert response.status_code == 200
    assert problem in response.content.decode()
    assert not Organization.objects.filter(name="温州市银行字段测试社工中心").exists()


def test_the_admin_edit_normalizes_and_refuses_the_same_way(client):
    org = OrganizationFactory()
    client.force_login(superuser())
    url = reverse("admin:grants_organization_change", args=[org.pk])
    data = form_values(client, url)
    data.update(bank_code=FULL_WIDTH)
    response = client.post(url, data)
    assert response.status_code == 200 and "联行号只能使用半角数字0-9" in response.content.decode()
    data.update(bank_code="102333000011", bank_account_no="1203 0001 0900 0000 1")
    assert client.post(url, data).status_code == 302
    org.refresh_from_db()
    assert (org.bank_account_no, org.bank_code) == ("12030001090000001", "102333000011")


def test_a_requested_account_change_is_stored_without_its_grouping():
    org = OrganizationFactory()
    member = member_of(org)
    change = finance_services.request_bank_detail_change(
        actor=member, organization_id=org.pk, bank_account_name=org.name, bank_name="温州银行",
        bank_account_no="6228-4800-0099-8877", bank_code="313333000011", reason="原账户注销")
    assert change.bank_account_no == "6228480000998877"
