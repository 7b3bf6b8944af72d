"""The officers' 公示 management page lists the round's approved and noticed projects 50 to a page, and
an objection recorded on page 2 brings the officer back to page 2."""
import pytest
from django.urls import reverse

from core import pagination
from projects.models import Project
from projects.states import State
from reviewers import services

pytestmark = pytest.mark.django_db


def test_the_notice_list_is_paged_and_an_action_returns_to_its_page(client, world, monkeypatch):
    monkeypatch.setattr("reviewers.views.officer.paginate",
                        lambda request, items, per_page: pagination.paginate(request, items, 2))
    projects = []
    for _ in range(3):
        org, member = world.new_org()
        projects.append(world.advance(world.draft(org, member), State.APPROVED))
    services.publish_round(actor=world.officer, round_id=world.round.pk)
    client.force_login(world.officer)
    url = reverse("reviewers:round_publicity", args=[world.round.pk])
    first, second = client.get(url).content.decode(), client.get(url + "?page=2").content.decode()
    codes = sorted(p.code for p in Project.objects.filter(pk__in=[p.pk for p in projects]))
    assert codes[0] in first and codes[2] not in first and codes[2] in second and codes[0] not in second
    assert "data-testid=\"pager\"" in first
    last = Project.objects.get(code=codes[2])
    response = client.post(url + "?page=2", {"project": last.pk, "action": "raise", "comment": "群众反映"})
    assert response.status_code == 302 and response["Location"].endswith("?page=2")
    assert Project.objects.get(pk=last.pk).state == State.OBJECTION
    assert client.get(url + "?page=abc").status_code == 200
