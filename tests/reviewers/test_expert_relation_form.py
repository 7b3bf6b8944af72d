"""The officer records an expert's relation to an organization by typing its credit code or full name
(issue 18: a select of every organization was 20,000 options and 10 s to render at province size)."""
import pytest
from django.urls import reverse

from reviewers.models import ExpertRelation

pytestmark = pytest.mark.django_db


def _post(client, world, organization: str):
    return client.post(reverse("reviewers:expert", args=[world.expert.pk]),
                       {"organization": organization, "kind": "employer", "start": "2024-01-01", "note": "兼职"})


def test_the_page_lists_no_organizations_and_takes_a_credit_code_or_a_name(client, world):
    others = [world.new_org()[0] for _ in range(3)]
    client.force_login(world.officer)
    page = client.get(reverse("reviewers:expert", args=[world.expert.pk])).content.decode()
    assert "<option" not in page.split('name="organization"')[1].split("</p>")[0]
    assert all(o.name not in page for o in others)  # nothing about the organizations is sent along
    response = _post(client, world, world.org.credit_code.lower())  # typed in lower case: still found
    assert response.status_code == 302
    assert ExpertRelation.objects.get(expert=world.expert).organization == world.org
    assert _post(client, world, f"  {others[0].name} ").status_code == 302
    assert set(ExpertRelation.objects.values_list("organization", flat=True)) == {world.org.pk, others[0].pk}


def test_an_unknown_organization_is_a_chinese_error_and_keeps_what_was_typed(client, world):
    client.force_login(world.officer)
    response = _post(client, world, "某某不存在的机构")
    page = response.content.decode()
    assert response.status_code == 200 and "没有统一社会信用代码或名称与此相符的机构" in page
    assert 'value="某某不存在的机构"' in page and "兼职" in page
    assert not ExpertRelation.objects.exists()


def test_the_same_relation_twice_is_refused_in_chinese(client, world):
    """A double click or a second tab records it once."""
    client.force_login(world.officer)
    assert _post(client, world, world.org.credit_code).status_code == 302
    response = _post(client, world, world.org.name)
    assert ExpertRelation.objects.filter(expert=world.expert).count() == 1
    follow = client.get(response["Location"]) if response.status_code == 302 else response
    assert "已经登记" in follow.content.decode()
