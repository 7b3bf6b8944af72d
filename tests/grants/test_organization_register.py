"""Officers correct organizations and keep credit-list entries in the product's own pages (issue 13),
through the services, with every change in the organization's history; other roles get 404."""
import pytest
from django.urls import reverse

from accounts.models import Role
from grants.models import ChangeRecord, CreditListEntry, Organization
from tests.admin_forms import form_values
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_officer_corrects_an_organization_and_sees_the_history(client, world):
    client.force_login(world.officer)
    assert world.org.name in client.get(reverse("organizations:list") + "?q=" + world.org.name[:4]).content.decode()
    url = reverse("organizations:detail", args=[world.org.pk])
    data = form_values(client, url)
    data["contact_phone"] = "0577-88886666"
    assert client.post(url, data).status_code == 302
    assert Organization.objects.get(pk=world.org.pk).contact_phone == "0577-88886666"
    page = client.get(url).content.decode()
    assert "0577-88886666" in page and ChangeRecord.objects.filter(organization=world.org).count() == 1


def test_bad_input_is_refused_in_chinese_and_kept(client, world):
    client.force_login(world.officer)
    url = reverse("organizations:detail", args=[world.org.pk])
    data = form_values(client, url)
    data["bank_account_name"] = "别的名称"
    data["contact_name"] = "王五"
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200 and "必须与机构登记名称" in page and 'value="王五"' in page
    assert Organization.objects.get(pk=world.org.pk).contact_name != "王五"


def test_credit_list_entries_are_recorded_ended_and_removed(client, world):
    client.force_login(world.officer)
    add = reverse("organizations:add_credit_entry", args=[world.org.pk])
    client.post(add, {"list_type": "abnormal", "listed_on": "2025-01-05", "removed_on": "2024-01-01"})
    assert not CreditListEntry.objects.exists()  # removed before listed: refused
    client.post(add, {"list_type": "abnormal", "listed_on": "2025-01-05", "reason": "未按时年检"})
    entry = CreditListEntry.objects.get()
    client.post(reverse("organizations:end_credit_entry", args=[world.org.pk, entry.pk]), {"removed_on": "2025-06-01"})
    assert str(CreditListEntry.objects.get().removed_on) == "2025-06-01"
    client.post(reverse("organizations:delete_credit_entry", args=[world.org.pk, entry.pk]))
    assert not CreditListEntry.objects.exists()
    assert [r.action for r in ChangeRecord.objects.filter(subject="credit_entry").order_by("at", "id")] == [
        "create", "change", "delete"]


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.FINANCE, Role.EXPERT, Role.EVALUATOR])
def test_other_roles_get_404(client, world, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("organizations:detail", args=[world.org.pk])).status_code == 404
    assert client.post(reverse("organizations:add_credit_entry", args=[world.org.pk]),
                       {"list_type": "abnormal", "listed_on": "2025-01-05"}).status_code == 404
    assert not CreditListEntry.objects.exists()
