"""A member of organization A guessing ids of organization B's project gets 404 everywhere."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import services
from projects.models import ProjectEvent
from projects.sections import SECTIONS
from projects.states import State
from tests.builders import PDF, budget
from tests.factories import UserFactory


def _project_urls(project, attachment_id: int) -> list[str]:
    pk = project.pk
    urls = [reverse(f"applicant:{n}", args=[pk]) for n in (
        "project", "attachments", "submit", "withdraw", "agreement", "sign", "sign_scan", "revise_budget",
        "reports", "adjustment")]
    urls += [reverse("applicant:section", args=[pk, s.code]) for s in SECTIONS if s.code != "attachments"]
    urls += [reverse("applicant:file", args=[pk, attachment_id]),
             reverse("applicant:remove_attachment", args=[pk, attachment_id]),
             reverse("projects:file", args=[pk, attachment_id])]
    return urls


POST_ONLY = ("/sign/", "/scan/", "/remove/")


@pytest.fixture
def signed_project(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    services.submit_report(actor=world.member, project_id=project.pk, kind="progress", narrative="进展",
                           expenditures=[{"category": "activity", "item": "物资", "amount": "100.00", "source": "grant"}])
    receipt = services.add_attachment(actor=world.member, project_id=project.pk, kind="receipt",
                                      uploaded_file=SimpleUploadedFile("发票.pdf", PDF))
    return project, receipt


def test_owner_reaches_every_page_and_file(world, client_for, signed_project):
    project, receipt = signed_project
    c = client_for(world.member)
    for url in (reverse("applicant:project", args=[project.pk]), reverse("applicant:reports", args=[project.pk]),
                reverse("applicant:file", args=[project.pk, receipt.pk])):
        assert c.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["other_member", "outsider", "expert"])
def test_everyone_else_gets_404_on_every_page_file_and_report(world, client_for, signed_project, who):
    project, receipt = signed_project
    if who == "other_member":
        _, user = world.new_org()
    else:
        user = UserFactory(role="applicant" if who == "outsider" else "expert")
    c = client_for(user)
    before = ProjectEvent.objects.filter(project=project).count()
    for url in _project_urls(project, receipt.pk):
        # POST-only endpoints answer a GET with 405 before looking anything up, which reveals nothing.
        assert c.get(url).status_code in ((404, 405) if url.endswith(POST_ONLY) else (404,)), url
        assert c.post(url, {"reason": "x", "signer_name": "x", "agree": "1", "title": "x"}).status_code == 404, url
    assert ProjectEvent.objects.filter(project=project).count() == before


def test_guessing_a_file_id_of_another_project_through_my_own_project_is_404(world, client_for, signed_project):
    _, receipt = signed_project
    other_org, other_member = world.new_org()
    mine = world.draft(org=other_org, member=other_member, title="我的项目")
    c = client_for(other_member)
    assert c.get(reverse("applicant:file", args=[mine.pk, receipt.pk])).status_code == 404
    assert c.post(reverse("applicant:remove_attachment", args=[mine.pk, receipt.pk])).status_code == 404


def test_officer_pages_are_404_for_applicants(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    for url in (reverse("projects:officer_list"), reverse("projects:officer_detail", args=[project.pk]),
                reverse("projects:changes", args=[project.pk])):
        assert c.get(url).status_code == 404, url
    assert c.post(reverse("projects:officer_action", args=[project.pk, "return_for_revision"]),
                  {"comment": "x"}).status_code == 404


def test_staff_see_applicant_pages_only_through_officer_pages(world, client_for):
    project = world.draft()
    c = client_for(world.officer)
    assert c.get(reverse("applicant:project", args=[project.pk])).status_code == 404
    assert c.get(reverse("projects:officer_detail", args=[project.pk])).status_code == 200


def test_anonymous_is_sent_to_login(client, world):
    project = world.draft()
    response = client.get(reverse("applicant:project", args=[project.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_budget_services_refuse_other_members(world):
    project = world.draft()
    _, other = world.new_org()
    from projects.errors import ProjectError

    with pytest.raises(ProjectError):
        services.replace_budget(actor=other, project_id=project.pk, lines=budget())
