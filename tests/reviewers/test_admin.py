"""Experts edited in the admin are saved by reviewers.services: the login's e-mail follows, an e-mail in
use is refused on the form, and experts are neither added nor deleted there."""
import pytest
from django.urls import reverse

from tests.admin_forms import form_values, superuser
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_expert_edited_in_the_admin_goes_through_the_service(client):
    expert = ExpertFactory(email="old@example.com")
    taken = UserFactory(email="taken@example.com")
    client.force_login(superuser())
    url = reverse("admin:reviewers_expert_change", args=[expert.pk])
    data = form_values(client, url)
    data["email"] = "Taken@Example.com"
    response = client.post(url, data)
    assert response.status_code == 200 and "邮箱 taken@example.com 已被使用" in response.content.decode()
    assert taken.email == "taken@example.com"

    data["email"] = "New@Example.com"
    data["employer"] = "温州医科大学"
    assert client.post(url, data).status_code == 302
    expert.refresh_from_db()
    expert.user.refresh_from_db()
    assert (expert.email, expert.employer, expert.user.email) == ("new@example.com", "温州医科大学", "new@example.com")


def test_experts_are_neither_added_nor_deleted_in_the_admin(client):
    expert = ExpertFactory()
    client.force_login(superuser())
    assert client.get(reverse("admin:reviewers_expert_add")).status_code == 403
    assert client.get(reverse("admin:reviewers_expert_delete", args=[expert.pk])).status_code == 403
