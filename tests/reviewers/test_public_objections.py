"""Objecting to a 公示 online (issue 15): contact, reason and evidence, checked like any upload,
rate-limited per address, landing in the officers' queue where they read and answer it."""
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from projects import services
from projects.states import State
from reviewers.objections import Objection
from tests.builders import PDF, World
from tests.documents.pdfcheck import pdf_text


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return World()


@pytest.fixture
def in_notice(world):
    """A project whose 公示 starts today (World.advance publishes a month ago, already over)."""
    project = world.advance(world.draft(), State.APPROVED)
    services.publish_project(actor=world.officer, project_id=project.pk)
    return project


def _form(project, **over):
    data = {"project": str(project.pk), "name": "张三", "phone": "13800001111", "email": "zhang@example.org",
            "reason": "该机构去年承接的同类项目没有按计划开展活动，社区居民均未见过。"}
    data.update(over)
    return data


def test_publicity_page_names_issuer_dates_contact_and_links_the_form(world, in_notice, settings):
    body = Client().get(reverse("reviewers:publicity", args=[world.round.pk])).content.decode()
    assert settings.YICHUANG_FUNDER_NAME in body
    assert settings.YICHUANG_PUBLICITY_CONTACT["phone"] in body
    in_notice.refresh_from_db()
    assert in_notice.publicity_end.isoformat() in body
    assert reverse("reviewers:objection", args=[world.round.pk]) in body
    home = Client().get(reverse("public:index")).content.decode()
    assert reverse("reviewers:publicity", args=[world.round.pk]) in home
    assert reverse("applicant:register") in home


def test_an_objection_lands_in_the_officers_queue_and_is_answered(world, in_notice, django_capture_on_commit_callbacks):
    url = reverse("reviewers:objection", args=[world.round.pk])
    response = Client().post(url, {**_form(in_notice), "evidence": SimpleUploadedFile("现场照片.pdf", PDF)})
    objection = Objection.objects.get()
    assert objection.number in response.content.decode()
    assert objection.project == in_notice and objection.evidence_name == "现场照片.pdf"
    assert Notification.objects.filter(recipient=world.officer, url=reverse("reviewers:objections")).exists()
    officer = Client()
    officer.force_login(world.officer)
    queue = officer.get(reverse("reviewers:objections")).content.decode()
    assert objection.number in queue and "没有按计划开展活动" in queue and "13800001111" in queue
    assert officer.get(reverse("reviewers:objection_evidence", args=[objection.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(reverse("reviewers:objection_answer", args=[objection.pk]),
                     {"answer": "经核查，该机构活动记录齐全，异议不成立。"})
    objection.refresh_from_db()
    assert objection.state == "answered" and objection.answered_by == world.officer
    assert any("异议不成立" in m.body and m.to == ["zhang@example.org"] for m in mail.outbox)


def test_bad_objections_are_refused_with_every_reason_and_keep_the_text(world, in_notice):
    url = reverse("reviewers:objection", args=[world.round.pk])
    body = Client().post(url, {**_form(in_notice, phone="", email="", reason="太短"),
                               "evidence": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")}).content.decode()
    assert "请至少留下一种联系方式" in body and "至少10个字" in body and "证明材料" in body
    assert "太短" in body and "张三" in body
    assert not Objection.objects.exists()


def test_a_project_not_in_notice_cannot_be_objected_to(world, in_notice):
    other = world.advance(world.draft(*world.new_org()), State.SUBMITTED)
    url = reverse("reviewers:objection", args=[world.round.pk])
    Client().post(url, _form(other))
    assert not Objection.objects.exists()


def test_objections_are_rate_limited_per_address(world, in_notice):
    url = reverse("reviewers:objection", args=[world.round.pk])
    client = Client()
    statuses = [client.post(url, _form(in_notice)).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert Objection.objects.count() == 5


def test_the_queue_is_the_officers_only(world, in_notice):
    Client().post(reverse("reviewers:objection", args=[world.round.pk]), _form(in_notice))
    objection = Objection.objects.get()
    for user in (world.member, world.finance, world.evaluator):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("reviewers:objections")).status_code == 404
        client.post(reverse("reviewers:objection_answer", args=[objection.pk]), {"answer": "x"})
    objection.refresh_from_db()
    assert objection.state == "received"


def test_the_publicity_pdf_names_the_issuer_and_contact(world, settings, django_capture_on_commit_callbacks):
    project = world.advance(world.draft(), State.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):  # the job builds the file after commit
        services.publish_project(actor=world.officer, project_id=project.pk)
    response = Client().get(reverse("reviewers:publicity_pdf", args=[world.round.pk]))
    text = "".join(pdf_text(b"".join(response.streaming_content)).split())
    assert settings.YICHUANG_FUNDER_NAME in text and settings.YICHUANG_PUBLICITY_CONTACT["phone"] in text
