from django.urls import reverse
from django.utils import timezone

from projects import guards, services
from projects.models import Project
from projects.states import State


def test_section_problems_are_exactly_submissions_problems(world):
    project = world.draft()
    services.update_project(actor=world.member, project_id=project.pk, summary="", beneficiaries=None)
    services.replace_milestones(actor=world.member, project_id=project.pk, milestones=[])
    services.replace_budget(actor=world.member, project_id=project.pk, lines=[
        {"category": "labor", "item": "劳务", "unit_price": "60000", "quantity": "1", "source": "grant"},
        {"category": "activity", "item": "活动", "unit_price": "40000", "quantity": "1", "source": "grant"}])
    project = Project.objects.get(pk=project.pk)
    now = timezone.now()
    by_section = guards.submission_by_section(project, now)
    assert [p.message for p in by_section] == guards.submission(project, now)
    where = {p.message: (p.section, p.field) for p in by_section}
    assert where["请填写「项目简介」"] == ("basic", "id_summary")
    assert where["请填写受益人数"] == ("need", "id_beneficiaries")
    assert where["请至少填写一个项目节点（里程碑）"] == ("plan", "milestones")
    assert any(s == "budget" and "超过上限" in m for m, (s, _) in where.items())


def test_submit_page_links_every_problem_and_submit_refuses(world, client_for):
    project = world.draft()
    services.update_project(actor=world.member, project_id=project.pk, team="")
    c = client_for(world.member)
    body = c.get(reverse("applicant:submit", args=[project.pk])).content.decode()
    assert f'href="{reverse("applicant:section", args=[project.pk, "team"])}#id_team"' in body
    response = c.post(reverse("applicant:submit", args=[project.pk]), follow=True)
    assert "请填写「团队介绍」" in [str(m) for m in response.context["messages"]]
    assert Project.objects.get(pk=project.pk).state == State.DRAFT


def test_submit_and_withdraw_with_reason(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    assert c.post(reverse("applicant:submit", args=[project.pk])).status_code == 302
    assert Project.objects.get(pk=project.pk).state == State.SUBMITTED
    response = c.post(reverse("applicant:withdraw", args=[project.pk]), {"reason": ""}, follow=True)
    assert "执行「撤回申报」须填写理由或说明" in [str(m) for m in response.context["messages"]]
    c.post(reverse("applicant:withdraw", args=[project.pk]), {"reason": "机构人手不足"})
    project = Project.objects.get(pk=project.pk)
    assert project.state == State.WITHDRAWN
    assert project.events.get(action="withdraw").comment == "机构人手不足"


def test_ineligible_organization_cannot_start(world, client_for):
    from tests.factories import list_org

    list_org(world.org)
    c = client_for(world.member)
    body = c.get(reverse("applicant:round", args=[world.round.pk])).content.decode()
    assert "活动异常名录" in body and 'data-testid="start"' not in body
    c.post(reverse("applicant:start", args=[world.round.pk]), {"organization": world.org.pk, "title": "x"})
    assert not Project.objects.filter(organization=world.org).exists()


def test_start_creates_a_draft_and_copies_nothing_without_rating(world, client_for):
    c = client_for(world.member)
    response = c.post(reverse("applicant:start", args=[world.round.pk]), {"organization": world.org.pk, "title": "新项目"})
    project = Project.objects.get(title="新项目")
    assert response["Location"] == reverse("applicant:section", args=[project.pk, "basic"])
    assert project.state == State.DRAFT and not project.attachments.exists()
