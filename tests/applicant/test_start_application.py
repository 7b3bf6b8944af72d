"""Starting an application is one service call that checks the window, eligibility and the limit itself:
a crafted POST that skips the round page creates nothing and hears the reason in Chinese."""
from datetime import datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from core.calendar import SHANGHAI
from projects import services
from projects.errors import ProjectError
from projects.models import Project
from projects.states import State
from tests.builders import PDF, World
from tests.factories import list_org


def _start(client, world, **extra):
    return client.post(reverse("applicant:start", args=[world.round.pk]),
                       {"organization": world.org.pk, "title": "新项目", **extra}, follow=True)


def _errors(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def test_a_post_outside_the_window_creates_nothing(world, client_for):
    world.round.apply_start = timezone.localdate() - timedelta(days=30)
    world.round.apply_end = timezone.localdate() - timedelta(days=1)
    world.round.save()
    response = _start(client_for(world.member), world)
    assert any("不在申报时间内" in e for e in _errors(response))
    assert not Project.objects.filter(organization=world.org).exists()


def test_a_post_by_an_organization_on_the_abnormal_list_creates_nothing(world, client_for):
    list_org(world.org, "abnormal", days_ago=30)
    response = _start(client_for(world.member), world)
    assert any("活动异常名录" in e for e in _errors(response))
    assert not Project.objects.filter(organization=world.org).exists()


def test_a_post_over_the_per_organization_limit_creates_nothing(world, client_for):
    world.advance(world.draft(), State.SUBMITTED)
    response = _start(client_for(world.member), world)
    assert any("本批次每个机构限申报1个项目，已申报1个" in e for e in _errors(response))
    assert Project.objects.filter(organization=world.org).count() == 1


def test_drafts_do_not_count_against_the_limit(world, client_for):
    """As the round page and the submission guard count: only applications that were submitted."""
    world.draft()
    response = _start(client_for(world.member), world)
    assert not _errors(response)
    assert Project.objects.filter(organization=world.org, state=State.DRAFT).count() == 2


def test_every_reason_is_given_at_once(world):
    list_org(world.org, "serious", days_ago=10)
    world.org.registration_date = timezone.localdate() - timedelta(days=30)
    world.org.save()
    late = datetime.combine(world.round.apply_end + timedelta(days=1), datetime.min.time(), tzinfo=SHANGHAI)
    with pytest.raises(ProjectError) as refused:
        services.create_project(actor=world.member, round=world.round, organization=world.org, title="x", now=late)
    joined = "；".join(refused.value.errors)
    assert "不在申报时间内" in joined and "严重违法失信名单" in joined and "登记成立不满12个月" in joined


def test_the_window_is_counted_in_shanghai_days(world):
    end = world.round.apply_end
    last_minute = datetime.combine(end, datetime.max.time(), tzinfo=SHANGHAI)
    project = services.create_project(actor=world.member, round=world.round, organization=world.org, title="赶在截止前",
                                      now=last_minute)
    assert project.state == State.DRAFT
    with pytest.raises(ProjectError, match="不在申报时间内"):
        services.create_project(actor=world.member, round=world.round, organization=world.org, title="晚了一秒",
                                now=last_minute + timedelta(microseconds=1))


def test_the_rating_certificate_is_copied_in_the_same_call(world, client_for):
    world.org.rating = 4
    world.org.rating_valid_until = timezone.localdate() + timedelta(days=365)
    world.org.rating_certificate_name = "4A证书.pdf"
    world.org.rating_certificate.save("cert", ContentFile(PDF), save=False)
    world.org.save()
    _start(client_for(world.member), world)
    project = Project.objects.get(title="新项目")
    assert list(project.attachments.values_list("kind", "original_name")) == [("rating_certificate", "4A证书.pdf")]


def test_a_title_longer_than_the_column_is_refused_in_chinese(world, client_for):
    response = _start(client_for(world.member), world, title="长" * 201)
    assert any(e.startswith("标题") or "200" in e for e in _errors(response))
    assert not Project.objects.filter(organization=world.org).exists()


def test_a_round_not_open_yet_refuses_too(db, client_for):
    world = World(apply_start=timezone.localdate() + timedelta(days=3), apply_end=timezone.localdate() + timedelta(days=30))
    response = _start(client_for(world.member), world)
    assert any("不在申报时间内" in e for e in _errors(response))
    assert not Project.objects.exists()
