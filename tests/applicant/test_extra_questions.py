"""A round's extra questions on the applicant's form (issue 13): answers are checked (number, choice),
required ones block submission, the submitted version keeps them, experts and officers read them,
and the officer's preview is the applicant's form."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grants.models import District, QuestionAnswer, RoundQuestion
from projects import services as projects_services
from projects.models import Project
from projects.services.drafting import save_answers
from projects.states import State
from reviewers import services as review
from tests.builders import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(world):
    return [
        RoundQuestion.objects.create(round=world.round, position=1, label="志愿者人数", kind="number", required=True),
        RoundQuestion.objects.create(round=world.round, position=2, label="是否与社区合作", kind="choice",
                                     choices=["是", "否"], required=True),
        RoundQuestion.objects.create(round=world.round, position=3, label="合作协议", kind="file"),
        RoundQuestion.objects.create(round=world.round, position=4, label="其他说明", kind="text"),
    ]


def url(project):
    return reverse("applicant:questions", args=[project.pk])


def test_answers_are_checked_and_what_was_typed_stays(world, asked, client):
    project = world.draft()
    client.force_login(world.member)
    page = client.get(url(project)).content.decode()
    assert "志愿者人数 *" in page and "附加问题" in page
    number, choice, upload, text = asked
    response = client.post(url(project), {f"q_{number.pk}": "二十", f"q_{choice.pk}": "也许",
                                          f"q_{text.pk}": "与街道合作开展"})
    page = response.content.decode()
    assert "「志愿者人数」须填写数字" in page and "请从给出的选项中选择" in page
    assert "二十" in page  # kept on the page
    assert QuestionAnswer.objects.get(question=text).value == "与街道合作开展"  # the valid one is saved
    assert not QuestionAnswer.objects.filter(question=number).exists()


def test_required_answers_block_submission_then_the_version_keeps_them(world, asked, client):
    project = world.draft()
    client.force_login(world.member)
    client.post(reverse("applicant:submit", args=[project.pk]))
    assert Project.objects.get(pk=project.pk).state == State.DRAFT
    page = client.get(reverse("applicant:submit", args=[project.pk])).content.decode()
    assert "请回答附加问题「志愿者人数」" in page
    number, choice, upload, text = asked
    response = client.post(url(project), {f"q_{number.pk}": "20", f"q_{choice.pk}": "是",
                                          f"q_{upload.pk}": SimpleUploadedFile("协议.pdf", PDF, "application/pdf")})
    assert response.status_code == 302
    assert QuestionAnswer.objects.get(question=upload).file_name.endswith(".pdf")
    client.post(reverse("applicant:submit", args=[project.pk]))
    project = Project.objects.get(pk=project.pk)
    assert project.state == State.SUBMITTED
    snapshot = project.events.filter(action="submit").latest("at").data["snapshot"]
    assert (snapshot["附加问题1：志愿者人数"], snapshot["附加问题2：是否与社区合作"]) == ("20", "是")
    # frozen: answers cannot change after submission
    client.post(url(project), {f"q_{number.pk}": "99"})
    assert QuestionAnswer.objects.get(question=number).value == "20"


def test_experts_and_officers_read_the_answers(world, asked, client):
    project = world.draft()
    number, choice, upload, text = asked
    save_answers(actor=world.member, project_id=project.pk, values={number.pk: "35", choice.pk: "否"},
                 files={upload.pk: SimpleUploadedFile("合作协议.pdf", PDF, "application/pdf")})
    answer = QuestionAnswer.objects.get(question=upload)
    project = world.advance(project, State.UNDER_REVIEW)
    assignment = review.assign_expert(actor=world.officer, project=project, expert=world.expert)
    review.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    client.force_login(world.expert.user)
    page = client.get(reverse("reviewers:review", args=[assignment.pk])).content.decode()
    assert "志愿者人数" in page and "35" in page and "是否与社区合作" in page
    file_url = reverse("applicant:answer_file", args=[project.pk, answer.pk])
    assert file_url in page
    assert b"".join(client.get(file_url).streaming_content) == PDF
    client.force_login(world.officer)
    page = client.get(reverse("projects:officer_detail", args=[project.pk])).content.decode()
    assert "志愿者人数" in page and "35" in page


def test_the_preview_is_the_applicants_form(world, asked, client):
    client.force_login(world.officer)
    page = client.get(reverse("rounds:preview", args=[world.round.pk])).content.decode()
    assert "志愿者人数 *" in page and f'name="q_{asked[0].pk}"' in page and "预览" in page


def test_a_round_without_questions_shows_no_tab(world, client):
    project = world.draft()
    client.force_login(world.member)
    page = client.get(reverse("applicant:section", args=[project.pk, "basic"])).content.decode()
    assert url(project) not in page


def test_a_changed_answer_shows_in_the_version_comparison(world, asked, client):
    number, choice, upload, text = asked
    project = world.draft()
    save_answers(actor=world.member, project_id=project.pk, values={number.pk: "20", choice.pk: "是"})
    world.advance(project, State.SUBMITTED)
    projects_services.return_for_revision(actor=world.officer, project_id=project.pk, comment="请补充志愿者情况")
    save_answers(actor=world.member, project_id=project.pk, values={number.pk: "35"})
    projects_services.submit_project(actor=world.member, project_id=project.pk)
    client.force_login(world.officer)
    page = client.get(reverse("projects:changes", args=[project.pk])).content.decode()
    assert "附加问题1：志愿者人数" in page and "35" in page
    assert "是否与社区合作" not in page  # unchanged answers are not listed


def test_a_round_serving_some_districts_refuses_others_at_submission(world, client):
    District.objects.get(name="瓯海区").rounds.add(world.round)
    project = world.draft()  # serves 鹿城区
    client.force_login(world.member)
    client.post(reverse("applicant:submit", args=[project.pk]))
    assert Project.objects.get(pk=project.pk).state == State.DRAFT
    page = client.get(reverse("applicant:submit", args=[project.pk])).content.decode()
    assert "服务区县「鹿城区」不在本批次征集范围内（瓯海区）" in page
    District.objects.get(name="鹿城区").rounds.add(world.round)
    client.post(reverse("applicant:submit", args=[project.pk]))
    assert Project.objects.get(pk=project.pk).state == State.SUBMITTED
