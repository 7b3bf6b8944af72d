"""The application as filed (issue 15): a read-only page, the 申报书 PDF and the 回执 with a stable,
unique number, for the organization's own members only."""
import pytest
from django.test import Client
from django.urls import reverse

from grants.models import RoundQuestion
from projects import services
from projects.models import ProjectEvent
from projects.receipts import SubmissionReceipt
from projects.services.drafting import save_answers
from projects.states import State
from tests.builders import World
from tests.documents.pdfcheck import pdf_text
from tests.factories import UserFactory


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return World()


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_read_only_page_shows_every_section_not_the_edit_form(world):
    project = world.advance(world.draft(), State.SUBMITTED)
    body = _login(world.member).get(reverse("applicant:application", args=[project.pk])).content.decode()
    assert "<fieldset" not in body and "disabled" not in body
    for text in ("长者互助食堂", "辖区独居老人320人", "五马街道", "每周五天助餐", "社工3名", "启动会", "服务人次",
                 "100,000.00", "registration_certificate.pdf", "第 1 版"):
        assert text in body, text
    receipt = SubmissionReceipt.objects.get(project=project)
    assert receipt.number in body
    project_page = _login(world.member).get(reverse("applicant:project", args=[project.pk])).content.decode()
    assert reverse("applicant:application", args=[project.pk]) in project_page
    assert reverse("applicant:receipt_pdf", args=[project.pk]) in project_page


def test_application_pdf_has_budget_milestones_indicators_attachments_version_and_time(world):
    project = world.advance(world.draft(), State.SUBMITTED)
    response = _login(world.member).get(reverse("applicant:application_pdf", args=[project.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(pdf_text(response.content).split())
    for expected in ("项目申报书", "长者互助食堂", "预算总额", "100,000.00", "启动会", "服务人次", "附件清单",
                     "registration_certificate.pdf", "第1版", "提交时间", project.code):
        assert expected in text, expected


def test_receipt_numbers_are_per_round_sequences_and_never_change(world):
    first = world.advance(world.draft(), State.SUBMITTED)
    org, member = world.new_org()
    second = world.advance(world.draft(org, member), State.SUBMITTED)
    numbers = [SubmissionReceipt.objects.get(project=p).number for p in (first, second)]
    assert numbers == [f"{world.round.code}-HZ-00001", f"{world.round.code}-HZ-00002"]
    event = ProjectEvent.objects.get(project=first, action="submit")
    assert event.data["receipt"] == numbers[0]
    response = _login(member).get(reverse("applicant:receipt_pdf", args=[second.pk]))
    text = "".join(pdf_text(response.content).split())
    assert "申报回执" in text and numbers[1] in text and "第1版" in text
    # read again later: the same number
    assert SubmissionReceipt.objects.get(project=first).number == numbers[0]


def test_a_resubmission_gets_its_own_receipt(world):
    project = world.advance(world.draft(), State.SUBMITTED)
    services.return_for_revision(actor=world.officer, project_id=project.pk, comment="请补充预算说明")
    services.submit_project(actor=world.member, project_id=project.pk)
    receipts = list(SubmissionReceipt.objects.filter(project=project).order_by("version"))
    assert [(r.version, r.sequence) for r in receipts] == [(1, 1), (2, 2)]


def test_draft_has_no_receipt_yet(world):
    draft = world.draft()
    client = _login(world.member)
    assert client.get(reverse("applicant:receipt_pdf", args=[draft.pk])).status_code == 404
    assert client.get(reverse("applicant:application_pdf", args=[draft.pk])).status_code == 200


@pytest.mark.parametrize("name", ["applicant:application", "applicant:application_pdf", "applicant:receipt_pdf"])
def test_documents_are_the_owners_only(world, name):
    project = world.advance(world.draft(), State.SUBMITTED)
    _other_org, other_member = world.new_org()
    url = reverse(name, args=[project.pk])
    for user in (other_member, world.officer, world.finance, UserFactory(role="expert")):
        assert _login(user).get(url).status_code == 404, user.role
    assert Client().get(url).status_code == 302  # anonymous: to the login page
    assert _login(world.member).get(url).status_code == 200


def test_extra_question_answers_of_the_filed_version_are_shown(world):
    """The round designer's per-round questions reach the 申报书 (page and PDF) through the submission snapshot."""
    asked = RoundQuestion.objects.create(round=world.round, position=1, label="是否有志愿者团队", kind="text")
    project = world.draft()
    assert save_answers(actor=world.member, project_id=project.pk, values={asked.pk: "有，32人"}) == []
    project = world.advance(project, State.SUBMITTED)
    client = _login(world.member)
    body = client.get(reverse("applicant:application", args=[project.pk])).content.decode()
    assert "是否有志愿者团队" in body and "有，32人" in body
    text = "".join(pdf_text(client.get(reverse("applicant:application_pdf", args=[project.pk])).content).split())
    assert "是否有志愿者团队" in text and "有，32人" in text
