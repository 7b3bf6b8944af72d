"""Every applicant page renders for the owner, in the states where it applies."""
import pytest
from django.urls import reverse

from projects.sections import SECTIONS
from projects.states import State


def test_drafting_pages_render(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    urls = [reverse("applicant:dashboard"), reverse("applicant:rounds"), reverse("applicant:round", args=[world.round.pk]),
            reverse("applicant:organization"), reverse("applicant:project", args=[project.pk]),
            reverse("applicant:submit", args=[project.pk]), reverse("applicant:withdraw", args=[project.pk]),
            reverse("applicant:attachments", args=[project.pk]), reverse("notifications")]
    urls += [reverse("applicant:section", args=[project.pk, s.code]) for s in SECTIONS if s.code != "attachments"]
    for url in urls:
        response = c.get(url)
        assert response.status_code == 200, url


def test_after_signing_pages_render(world, client_for):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    c = client_for(world.member)
    for name in ("project", "agreement", "reports", "adjustment"):
        assert c.get(reverse(f"applicant:{name}", args=[project.pk])).status_code == 200, name


def test_officer_pages_render(world, client_for):
    project = world.draft()
    c = client_for(world.officer)
    assert c.get(reverse("projects:officer_list")).status_code == 200
    assert c.get(reverse("projects:officer_detail", args=[project.pk])).status_code == 200


@pytest.mark.django_db  # the page offers the districts officers keep (grants.District)
def test_register_page_renders(client):
    response = client.get(reverse("applicant:register"))
    assert response.status_code == 200 and "鹿城区" in response.content.decode()
    assert reverse("applicant:register") in client.get(reverse("login")).content.decode()


def test_the_officer_project_page_shows_money_as_money_and_no_internal_version(world):
    """Amounts with thousands separators and 元 like every other page; the version number only once the
    application was resubmitted (v2), as on the project lists."""
    from django.test import Client
    from django.urls import reverse

    from projects.states import State
    from tests.builders import PASSWORD

    project = world.advance(world.draft(), State.APPROVED)
    c = Client()
    assert c.login(username=world.officer.username, password=PASSWORD)
    body = c.get(reverse("projects:officer_detail", args=[project.pk])).content.decode()
    approved = f"{project.approved_amount:,.2f}"
    assert f"已批准 {approved} 元" in body and f"{project.requested_amount:,.2f} 元" in body
    assert " v1" not in body and "资助资金列支的人员经费：" in body
