"""The admin writes organizations, rounds and their inline rows through grants.services: the services'
rules show on the form in Chinese (nothing saved) instead of being skipped or ending in a 500."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from grants.models import BudgetCap, CreditListEntry, Membership
from tests.admin_forms import add_inline_row, form_values, inline_row, staff_with_model_permissions, superuser
from tests.factories import OrganizationFactory, RoundFactory, UserFactory, list_org, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(superuser())
    return client


def org_url(org) -> str:
    return reverse("admin:grants_organization_change", args=[org.pk])


def test_a_budget_cap_added_inline_is_saved_by_the_service(admin_client):
    round = RoundFactory()
    url = reverse("admin:grants_grantround_change", args=[round.pk])
    data = form_values(admin_client, url)
    data["change_reason"] = "按新政策调整"
    add_inline_row(data, "budget_caps", round=round.pk, category="labor", kind="pct_grant", value="40")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    cap = BudgetCap.objects.get(round=round)
    assert (cap.category, cap.kind, cap.value) == ("labor", "pct_grant", Decimal("40.00"))


def test_a_staff_account_without_the_officer_role_is_refused_by_the_service(client):
    round = RoundFactory()
    client.force_login(staff_with_model_permissions(Role.FINANCE, "grants"))
    url = reverse("admin:grants_grantround_change", args=[round.pk])
    data = form_values(client, url)
    data["change_reason"] = "按新政策调整"
    data["name"] = "改过的名称"
    add_inline_row(data, "budget_caps", round=round.pk, category="labor", kind="pct_grant", value="40")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "只有项目管理员或系统管理员可以维护创投批次" in response.content.decode()
    round.refresh_from_db()
    assert round.name != "改过的名称" and not BudgetCap.objects.exists()  # the whole save was rolled back


def test_only_applicant_accounts_become_members(admin_client):
    org = OrganizationFactory()
    officer = UserFactory(role=Role.OFFICER)
    data = form_values(admin_client, org_url(org))
    add_inline_row(data, "membership_set", organization=org.pk, user=officer.pk)
    response = admin_client.post(org_url(org), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "只有申报机构人员账号可以成为机构成员" in page
    assert f'value="{officer.pk}"' in page  # the form comes back with what was typed
    assert not Membership.objects.filter(user=officer).exists()

    applicant = UserFactory(role=Role.APPLICANT)
    data = form_values(admin_client, org_url(org))
    add_inline_row(data, "membership_set", organization=org.pk, user=applicant.pk, is_manager="on")
    assert admin_client.post(org_url(org), data).status_code == 302
    assert Membership.objects.get(user=applicant).is_manager


def test_the_last_manager_stays_unless_another_takes_over_in_the_same_save(admin_client):
    org = OrganizationFactory()
    manager, colleague = member_of(org), member_of(org)
    Membership.objects.filter(user=manager).update(is_manager=True)
    first = Membership.objects.get(user=manager)
    second = Membership.objects.get(user=colleague)

    data = form_values(admin_client, org_url(org))
    del data[f"{inline_row(data, 'membership_set', first.pk)}-is_manager"]
    response = admin_client.post(org_url(org), data)
    assert response.status_code == 200 and "须至少保留一名机构管理员" in response.content.decode()
    assert Membership.objects.get(pk=first.pk).is_manager

    data[f"{inline_row(data, 'membership_set', second.pk)}-is_manager"] = "on"  # hand over in one save
    assert admin_client.post(org_url(org), data).status_code == 302
    assert not Membership.objects.get(pk=first.pk).is_manager and Membership.objects.get(pk=second.pk).is_manager

    data = form_values(admin_client, org_url(org))
    data[f"{inline_row(data, 'membership_set', second.pk)}-DELETE"] = "on"
    response = admin_client.post(org_url(org), data)
    assert response.status_code == 200 and "须至少保留一名机构管理员" in response.content.decode()
    data[f"{inline_row(data, 'membership_set', first.pk)}-DELETE"] = "on"  # both gone: nobody left to manage
    assert admin_client.post(org_url(org), data).status_code == 302
    assert not Membership.objects.filter(organization=org).exists()


def test_credit_list_entries_are_recorded_and_ended_inline(admin_client):
    org = OrganizationFactory()
    data = form_values(admin_client, org_url(org))
    add_inline_row(data, "credit_entries", organization=org.pk, list_type="abnormal", listed_on="2024-03-01",
                   reason="未按时年检")
    assert admin_client.post(org_url(org), data).status_code == 302
    entry = CreditListEntry.objects.get(organization=org)
    assert (entry.list_type, entry.listed_on, entry.removed_on) == ("abnormal", date(2024, 3, 1), None)

    data = form_values(admin_client, org_url(org))
    row = inline_row(data, "credit_entries", entry.pk)
    assert f"{row}-listed_on" not in data  # fixed once recorded
    data[f"{row}-listed_on"] = "2020-01-01"  # a crafted post changes nothing either
    data[f"{row}-removed_on"] = "2024-02-01"
    response = admin_client.post(org_url(org), data)
    assert response.status_code == 200 and "移出日期不能早于列入日期" in response.content.decode()
    data[f"{row}-removed_on"] = "2024-09-30"
    assert admin_client.post(org_url(org), data).status_code == 302
    entry.refresh_from_db()
    assert (entry.listed_on, entry.removed_on) == (date(2024, 3, 1), date(2024, 9, 30))


def test_credit_list_entries_are_deleted_through_the_service_and_organizations_never(admin_client):
    org = OrganizationFactory()
    entry = list_org(org)
    delete = reverse("admin:grants_creditlistentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not CreditListEntry.objects.exists()
    assert admin_client.get(reverse("admin:grants_organization_delete", args=[org.pk])).status_code == 403
    assert admin_client.get(reverse("admin:grants_grantround_delete", args=[RoundFactory().pk])).status_code == 403
    assert admin_client.get(reverse("admin:grants_creditlistentry_add")).status_code == 403
