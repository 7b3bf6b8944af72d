"""Who sees what: experts only their own non-recused tasks, officers the round pages, the public 公示."""
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import services as project_services
from projects.states import State
from reviewers import services
from tests.factories import UserFactory
from tests.reviewers.conftest import scores
from tests.reviewers.pdfs import pdf_with


@pytest.fixture
def two_tasks(world, under_review, experts):
    mine, theirs = under_review(2)
    other = experts(1)[0]
    a_mine = services.assign_expert(actor=world.officer, project=mine, expert=world.expert)
    a_theirs = services.assign_expert(actor=world.officer, project=theirs, expert=other)
    return a_mine, a_theirs, other


def test_expert_gets_404_on_other_experts_reviews(client, world, two_tasks):
    a_mine, a_theirs, other = two_tasks
    services.declare(actor=other.user, assignment_id=a_theirs.pk, has_conflict=False)
    services.submit_review(actor=other.user, assignment_id=a_theirs.pk, scores=scores())
    client.force_login(world.expert.user)
    assert client.get(reverse("reviewers:review", args=[a_mine.pk])).status_code == 200
    assert client.get(reverse("reviewers:review", args=[a_theirs.pk])).status_code == 404
    assert client.post(reverse("reviewers:review", args=[a_theirs.pk]), {"score_need": "1"}).status_code == 404
    assert client.get(reverse("reviewers:review", args=[999999])).status_code == 404
    page = client.get(reverse("reviewers:my_reviews")).content.decode()
    assert a_theirs.project.code not in page and "83.50" not in page


def test_expert_gets_404_on_proposals_not_assigned_and_on_officer_pages(client, world, two_tasks):
    a_mine, a_theirs, _ = two_tasks
    client.force_login(world.expert.user)
    for url in [
        reverse("reviewers:score_sheet", args=[a_mine.project.pk]),
        reverse("reviewers:score_sheet", args=[a_theirs.project.pk]),
        reverse("reviewers:score_sheet_xlsx", args=[a_theirs.project.pk]),
        reverse("reviewers:round", args=[world.round.pk]),
        reverse("reviewers:ranking", args=[world.round.pk]),
        reverse("reviewers:panel", args=[world.round.pk, a_theirs.project.pk]),
        reverse("reviewers:expert", args=[world.expert.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_recused_expert_never_sees_the_proposal(client, world, two_tasks):
    a_mine, _, _ = two_tasks
    client.force_login(world.expert.user)
    declaration = client.get(reverse("reviewers:review", args=[a_mine.pk])).content.decode()
    assert a_mine.project.summary not in declaration  # nothing of the proposal before declaring
    response = client.post(reverse("reviewers:review", args=[a_mine.pk]), {"has_conflict": "yes", "note": "曾任理事"})
    assert response.status_code == 302
    assert client.get(reverse("reviewers:review", args=[a_mine.pk])).status_code == 404
    assert a_mine.project.summary not in client.get(reverse("reviewers:my_reviews")).content.decode()


def test_blind_round_hides_the_applicant(client, world, two_tasks):
    a_mine, _, _ = two_tasks
    services.declare(actor=world.expert.user, assignment_id=a_mine.pk, has_conflict=False)
    client.force_login(world.expert.user)
    name = a_mine.project.organization.name
    assert name in client.get(reverse("reviewers:review", args=[a_mine.pk])).content.decode()
    world.round.blind_review = True
    world.round.save()
    page = client.get(reverse("reviewers:review", args=[a_mine.pk])).content.decode()
    assert name not in page and a_mine.project.organization.credit_code not in page
    assert a_mine.project.summary in page


@pytest.mark.parametrize("who", ["member", "outsider", "anonymous"])
def test_non_officers_get_404_or_login_on_officer_pages(client, world, two_tasks, who):
    a_mine, _, _ = two_tasks
    if who == "member":
        client.force_login(world.member)
    elif who == "outsider":
        client.force_login(UserFactory())
    urls = [reverse("reviewers:ranking", args=[world.round.pk]),
            reverse("reviewers:score_sheet", args=[a_mine.project.pk]),
            reverse("reviewers:review", args=[a_mine.pk])]
    for url in urls:
        status = client.get(url).status_code
        assert status == (302 if who == "anonymous" else 404), url


def test_officer_sees_round_pages(client, world, two_tasks):
    a_mine, _, _ = two_tasks
    client.force_login(world.officer)
    for url in [reverse("reviewers:rounds"), reverse("reviewers:round", args=[world.round.pk]),
                reverse("reviewers:ranking", args=[world.round.pk]),
                reverse("reviewers:panel", args=[world.round.pk, a_mine.project.pk]),
                reverse("reviewers:score_sheet", args=[a_mine.project.pk]),
                reverse("reviewers:experts"), reverse("reviewers:expert", args=[world.expert.pk])]:
        assert client.get(url).status_code == 200, url
    # an officer may not take an expert's place
    assert client.get(reverse("reviewers:review", args=[a_mine.pk])).status_code == 404


def test_public_notice_needs_no_login(client, world):
    assert client.get(reverse("reviewers:publicity", args=[world.round.pk])).status_code == 200
    assert client.get(reverse("reviewers:publicity", args=[999999])).status_code == 404


def test_blind_round_withholds_files_naming_the_applicant(client, world, settings, tmp_path):
    """Finding 11: by URL an assigned expert could download the registration certificate. Experts now
    get no file through the applicant's download URL; their review page offers the proposal's files,
    in a blind round only the proposal's own ones, under neutral names; the rest are 404."""
    settings.MEDIA_ROOT = tmp_path
    world.round.blind_review = True
    world.round.save()
    org, member = world.new_org()
    project = world.draft(org, member)
    files = {kind: project_services.add_attachment(
        actor=member, project_id=project.pk, kind=kind,
        uploaded_file=SimpleUploadedFile(f"{org.name}-{kind}.pdf", pdf_with(title=org.name), "application/pdf"))
        for kind in ("registration_certificate", "charter", "financial_report", "rating_certificate", "other")}
    project = world.advance(project, State.UNDER_REVIEW)
    assignment = services.assign_expert(actor=world.officer, project=project, expert=world.expert)
    services.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    client.force_login(world.expert.user)
    for attachment in files.values():
        assert client.get(reverse("projects:file", args=[project.pk, attachment.pk])).status_code == 404
    response = client.get(reverse("reviewers:review_file", args=[assignment.pk, 1]))
    assert response.status_code == 200
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("inline") and "附件1-申报材料.pdf" in disposition and org.name not in disposition
    for number in (2, 3, 4, 5):
        assert client.get(reverse("reviewers:review_file", args=[assignment.pk, number])).status_code == 404
    # Outside a blind round the expert reads them all, still under neutral names; officers always
    # read the originals under their own names.
    world.round.blind_review = False
    world.round.save()
    for number in (1, 2, 3, 4, 5):
        response = client.get(reverse("reviewers:review_file", args=[assignment.pk, number]))
        assert response.status_code == 200 and f"附件{number}-" in unquote(response["Content-Disposition"])
    world.round.blind_review = True
    world.round.save()
    client.force_login(world.officer)
    certificate = files["registration_certificate"]
    response = client.get(reverse("projects:file", args=[project.pk, certificate.pk]))
    assert response.status_code == 200 and org.name in unquote(response["Content-Disposition"])


def test_review_files_end_with_the_decision(client, world):
    world.round.experts_per_project = 1
    world.round.save()
    project = world.advance(world.draft(), State.REVIEWED)
    assignment = project.assignments.get(expert=world.expert)
    client.force_login(world.expert.user)
    url = reverse("reviewers:review_file", args=[assignment.pk, 1])
    assert client.get(url).status_code == 200
    world.advance(project, State.APPROVED)
    assert client.get(url).status_code == 404
