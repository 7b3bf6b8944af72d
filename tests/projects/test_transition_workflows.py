"""Transitions that carry more than a state change, each one service call in one transaction: signing
with a scanned copy, termination and claw-back, staff forms with a typed amount; and the contract
through which finance and reviewers take part (projects.signals)."""
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.problems import Problem
from finance.errors import FinanceError
from finance.models import Clawback
from projects import services
from projects.errors import ProjectError
from projects.lifecycle import PROJECT
from projects.models import Attachment, Project
from projects.signals import project_transitioned, transition_checks
from projects.states import State
from tests.builders import PDF

pytestmark = pytest.mark.django_db
CHINESE_AMOUNT_ERROR = "金额格式不正确：「abc」"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _stored_files(project) -> list[str]:
    storage = Attachment._meta.get_field("file").storage
    folder = f"attachments/{project.pk}"
    if not storage.exists(folder):
        return []
    return storage.listdir(folder)[1]


def _scan():
    return SimpleUploadedFile("协议扫描件.pdf", PDF, content_type="application/pdf")


# ---------------------------------------------------------------- signing with a scan

def test_a_scan_refused_during_the_public_notice_leaves_no_file(world, client):
    project = world.advance(world.draft(), State.APPROVED)
    project = services.publish_project(actor=world.officer, project_id=project.pk)
    assert project.publicity_end >= timezone.localdate()
    before = _stored_files(project)
    client.force_login(world.member)
    response = client.post(reverse("applicant:sign_scan", args=[project.pk]), {"file": _scan()}, follow=True)
    assert any("公示期满后方可签订协议" in m for m in _messages(response))
    project = Project.objects.get(pk=project.pk)
    assert project.state == State.PUBLICITY
    assert not project.attachments.filter(kind="signed_agreement").exists()
    assert _stored_files(project) == before


def test_a_signing_that_finance_refuses_deletes_the_scan_it_stored(world, client):
    project = world.advance(world.draft(), State.PUBLICITY)
    before = _stored_files(project)
    client.force_login(world.member)
    with mock.patch("finance.services.create_tranches", side_effect=FinanceError("拨款计划生成失败")):
        response = client.post(reverse("applicant:sign_scan", args=[project.pk]), {"file": _scan()}, follow=True)
    assert "拨款计划生成失败" in _messages(response)
    project = Project.objects.get(pk=project.pk)
    assert project.state == State.PUBLICITY and not project.tranches.exists()
    assert not project.attachments.filter(kind="signed_agreement").exists()
    assert _stored_files(project) == before


def test_a_signing_with_a_scan_keeps_the_scan_and_records_it(world):
    project = world.advance(world.draft(), State.PUBLICITY)
    services.sign_agreement(actor=world.member, project_id=project.pk, signer_name="王芳", scan=_scan())
    project = Project.objects.get(pk=project.pk)
    scan = project.attachments.get(kind="signed_agreement")
    assert project.state == State.CONTRACTED and "协议扫描件.pdf" in project.signed_by_name
    assert project.events.get(action="sign").data["scan"] == scan.pk
    assert scan.file.name.split("/")[-1] in _stored_files(project)


def test_a_scan_that_is_not_a_document_is_refused_before_anything(world):
    project = world.advance(world.draft(), State.PUBLICITY)
    with pytest.raises(ProjectError, match="只接受"):
        services.sign_agreement(actor=world.member, project_id=project.pk, signer_name="王芳",
                                scan=SimpleUploadedFile("协议.pdf", b"MZ not a pdf"))
    assert Project.objects.get(pk=project.pk).state == State.PUBLICITY


# ---------------------------------------------------------------- typed amounts never give a 500

@pytest.fixture
def superuser_admin(world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    return world.admin


def test_a_malformed_amount_in_the_admin_approve_form_is_a_chinese_message(world, client, superuser_admin):
    project = world.advance(world.draft(), State.REVIEWED)
    client.force_login(superuser_admin)
    url = reverse("admin:projects_project_transition", args=[project.pk, "approve"])
    response = client.post(url, {"amount": "abc", "comment": "同意"})
    assert response.status_code == 200
    assert CHINESE_AMOUNT_ERROR in response.content.decode()
    assert Project.objects.get(pk=project.pk).state == State.REVIEWED
    response = client.post(url, {"amount": "", "comment": "同意"})
    assert "请填写核定资助金额" in response.content.decode()
    client.post(url, {"amount": "90000.00", "comment": "同意"})
    assert Project.objects.get(pk=project.pk).approved_amount == 90000


def test_a_malformed_claw_back_in_the_officer_terminate_form_is_a_chinese_message(world, client):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    client.force_login(world.officer)
    response = client.post(reverse("monitoring:terminate", args=[project.pk]),
                           {"reason": "机构无法继续履行协议", "clawback": "abc"}, follow=True)
    assert response.status_code == 200
    assert CHINESE_AMOUNT_ERROR in _messages(response)
    assert Project.objects.get(pk=project.pk).state == State.IN_PROGRESS


@pytest.mark.parametrize("name, state", [("approve", State.REVIEWED), ("terminate", State.IN_PROGRESS)])
def test_every_staff_form_with_an_amount_reports_a_malformed_one(world, client, name, state):
    assert "amount" in PROJECT.get(name).inputs
    project = world.advance(world.draft(), state)
    client.force_login(world.officer)
    response = client.post(reverse("projects:officer_action", args=[project.pk, name]),
                           {"amount": "abc", "comment": "经核实"}, follow=True)
    assert response.status_code == 200
    assert CHINESE_AMOUNT_ERROR in _messages(response)
    assert Project.objects.get(pk=project.pk).state == state


def test_the_admin_offers_no_form_for_an_outcome_of_scores(world, client, superuser_admin):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    client.force_login(superuser_admin)
    response = client.post(reverse("admin:projects_project_transition", args=[project.pk, "pass_midterm"]))
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).state == State.MIDTERM_REVIEW


# ---------------------------------------------------------------- termination and claw-back

def test_termination_with_a_claw_back_is_one_transaction(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    with pytest.raises(FinanceError, match="不能超过已拨付金额"):
        services.terminate_project(actor=world.officer, project_id=project.pk, reason="违规", clawback_amount="40000.01")
    project = Project.objects.get(pk=project.pk)
    assert project.state == State.IN_PROGRESS
    assert not project.tranches.filter(state="cancelled").exists()
    assert not project.events.filter(action="terminate").exists()
    services.terminate_project(actor=world.officer, project_id=project.pk, reason="违规", clawback_amount="40000.00")
    project = Project.objects.get(pk=project.pk)
    assert project.state == State.TERMINATED and Clawback.objects.get(project=project).amount == 40000
    assert project.events.get(action="terminate").data == {"clawback": "40000.00"}


def test_a_claw_back_after_a_termination_is_recorded_once_through_the_table(world, client):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    services.terminate_project(actor=world.officer, project_id=project.pk, reason="机构解散")
    client.force_login(world.officer)
    detail = client.get(reverse("projects:officer_detail", args=[project.pk])).content.decode()
    assert 'data-action="claw_back"' in detail
    client.post(reverse("projects:officer_action", args=[project.pk, "claw_back"]),
                {"amount": "1000.00", "comment": "按协议追回"})
    assert Clawback.objects.get(project=project).amount == 1000
    event = project.events.get(action="claw_back")
    assert (event.from_state, event.to_state, event.data) == (State.TERMINATED, State.TERMINATED,
                                                              {"clawback": "1000.00"})
    with pytest.raises(ProjectError, match="不能重复登记"):
        services.claw_back_after_failure(actor=world.officer, project_id=project.pk, amount="1", reason="再次")


# ---------------------------------------------------------------- the contract with the apps above

def test_a_check_from_another_app_is_reported_with_the_guard_s(world):
    project = world.advance(world.draft(), State.PUBLICITY)

    def objection(sender, *, project, name, step, **kwargs):
        return [Problem("test.hold", "测试：暂缓签约")] if name == "sign" else []

    transition_checks.connect(objection, sender=Project, dispatch_uid="test.hold")
    try:
        with pytest.raises(ProjectError) as refused:
            services.sign_agreement(actor=world.member, project_id=project.pk, signer_name="")
    finally:
        transition_checks.disconnect(dispatch_uid="test.hold", sender=Project)
    assert refused.value.errors == ["请输入签署人姓名以确认协议", "测试：暂缓签约"]
    assert [p.code for p in refused.value.problems] == ["sign.name", "test.hold"]


def test_a_reaction_that_refuses_rolls_the_transition_back(world):
    project = world.advance(world.draft(), State.REVIEWED)

    def refuse(sender, *, name, **kwargs):
        if name == "approve":
            raise DomainError("测试：下游拒绝")

    project_transitioned.connect(refuse, sender=Project, dispatch_uid="test.refuse")
    try:
        with pytest.raises(DomainError, match="下游拒绝"):
            services.approve_project(actor=world.officer, project_id=project.pk, approved_amount="80000",
                                     comment="核减")
    finally:
        project_transitioned.disconnect(dispatch_uid="test.refuse", sender=Project)
    project = Project.objects.get(pk=project.pk)
    assert (project.state, project.approved_amount) == (State.REVIEWED, None)
    assert not project.events.filter(action="approve").exists()


def test_notifications_leave_only_after_commit_and_once(world, client, django_capture_on_commit_callbacks):
    from accounts.models import Notification

    project = world.advance(world.draft(), State.SUBMITTED)
    client.force_login(world.officer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("projects:officer_action", args=[project.pk, "return_for_revision"]), {"comment": "请补充", "confirm": "yes"})
    assert len(callbacks) >= 1
    notes = Notification.objects.filter(recipient=world.member, text__contains="退回补正")
    assert notes.count() == 1


# ---------------------------------------------------------------- problems carry their place

def test_domain_errors_carry_every_problem_and_keep_their_text():
    error = DomainError([Problem("a.b", "第一个", "budget", "budget-lines"), "第二个"])
    assert error.errors == ["第一个", "第二个"] and error.message == "第一个；第二个"
    assert [(p.code, p.section, p.field) for p in error.problems] == [("a.b", "budget", "budget-lines"),
                                                                      ("", "", "")]
    assert DomainError("一个").errors == ["一个"] and DomainError("一个").problems[0].message == "一个"


def test_submission_problems_are_placed_by_their_code(world):
    from projects import guards

    project = world.draft(government_funded=True)
    services.update_project(actor=world.member, project_id=project.pk, team="")
    project = Project.objects.get(pk=project.pk)
    placed = {p.code: (p.section, p.field) for p in guards.submission_by_section(project, timezone.now())}
    assert placed["eligibility.government_funded"] == ("basic", "id_government_funded")
    assert placed["complete.text"] == ("team", "id_team")
    late = timezone.now() + timedelta(days=3650)
    assert ("general", "") in {(p.section, p.field) for p in guards.submission_by_section(project, late)}
    assert not hasattr(guards, "_FIELD_WORDS")
