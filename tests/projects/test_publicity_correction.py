"""An officer corrects the end of a running 公示 with a reason: a working day after the start, never in the
past (the agreement could then be signed at once), audited with the old and new dates."""
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from core import calendar
from grants import workdays
from projects import services
from projects.errors import ProjectError
from projects.models import Project
from projects.states import State

pytestmark = pytest.mark.django_db

URL = "projects:correct_publicity_end"


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=calendar.SHANGHAI)


def next_day(after: date, working: bool) -> date:
    day = after + timedelta(days=1)
    while workdays.is_working_day(day) != working:
        day += timedelta(days=1)
    return day


def refusal(call) -> list[str]:
    with pytest.raises(ProjectError) as refused:
        call()
    return refused.value.errors


@pytest.fixture
def in_notice(world):
    return world.advance(world.draft(), State.PUBLICITY)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_officer_extends_the_notice_on_the_detail_page_and_the_change_is_audited(world, in_notice, client):
    client.force_login(world.officer)
    page = client.get(reverse("projects:officer_detail", args=[in_notice.pk])).content.decode()
    assert 'data-testid="publicity-end-form"' in page
    before = in_notice.publicity_end
    new_end = next_day(calendar.today() + timedelta(days=3), working=True)
    response = client.post(reverse(URL, args=[in_notice.pk]),
                           {"new_end": new_end.isoformat(), "reason": "公示网页下线两天，顺延"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("projects:officer_detail", args=[in_notice.pk])
    project = Project.objects.get(pk=in_notice.pk)
    assert project.publicity_end == new_end and project.state == State.PUBLICITY
    event = project.events.get(action="publicity_end_corrected")
    assert (event.actor, event.comment) == (world.officer, "公示网页下线两天，顺延")
    assert event.data == {"before": before.isoformat(), "after": new_end.isoformat()}
    assert event.action_label != event.action  # the timeline shows a label, not the code
    # Signing now waits for the corrected end.
    assert refusal(lambda: services.sign_agreement(actor=world.member, project_id=project.pk, signer_name="李四")) == [
        f"公示期至 {new_end:%Y年%m月%d日} 结束，公示期满后方可签订协议"
    ]


@pytest.mark.parametrize("post", [
    {"reason": "顺延"},
    {"new_end": "2026-13-40", "reason": "顺延"},
    {"new_end": "tomorrow-working", "reason": ""},
])
def test_incomplete_posts_change_nothing(world, in_notice, client, post):
    client.force_login(world.officer)
    if post.get("new_end") == "tomorrow-working":
        post = {**post, "new_end": next_day(calendar.today(), working=True).isoformat()}
    response = client.post(reverse(URL, args=[in_notice.pk]), post, follow=True)
    assert messages_of(response)
    assert Project.objects.get(pk=in_notice.pk).publicity_end == in_notice.publicity_end
    assert not in_notice.events.filter(action="publicity_end_corrected").exists()


def test_a_day_off_and_a_day_in_the_past_are_refused_on_the_page(world, in_notice, client):
    client.force_login(world.officer)
    day_off = next_day(calendar.today(), working=False)
    response = client.post(reverse(URL, args=[in_notice.pk]), {"new_end": day_off.isoformat(), "reason": "顺延"},
                           follow=True)
    assert f"{calendar.format_cn_date(day_off)}不是工作日，公示结束日期须为工作日" in messages_of(response)
    yesterday = calendar.today() - timedelta(days=1)
    response = client.post(reverse(URL, args=[in_notice.pk]), {"new_end": yesterday.isoformat(), "reason": "更正"},
                           follow=True)
    assert (f"公示结束日期不能早于今天（{calendar.format_cn_date(calendar.today())}），否则协议可立即签订"
            in messages_of(response))
    assert Project.objects.get(pk=in_notice.pk).publicity_end == in_notice.publicity_end


@pytest.mark.parametrize("who", ["member", "finance", "evaluator"])
def test_nobody_but_an_officer_may_correct(world, in_notice, client, who):
    client.force_login(getattr(world, who))
    new_end = next_day(calendar.today(), working=True)
    response = client.post(reverse(URL, args=[in_notice.pk]), {"new_end": new_end.isoformat(), "reason": "顺延"})
    assert response.status_code == 404
    assert Project.objects.get(pk=in_notice.pk).publicity_end == in_notice.publicity_end


def test_only_while_the_project_is_in_notice_or_objection(world, client):
    running = world.advance(world.draft(), State.IN_PROGRESS)
    client.force_login(world.officer)
    assert 'data-testid="publicity-end-form"' not in client.get(
        reverse("projects:officer_detail", args=[running.pk])).content.decode()
    new_end = next_day(calendar.today(), working=True)
    response = client.post(reverse(URL, args=[running.pk]), {"new_end": new_end.isoformat(), "reason": "顺延"},
                           follow=True)
    assert f"项目当前状态为「{State.IN_PROGRESS.label}」，只有公示期间可以更正公示结束日期" in messages_of(response)
    org, member = world.new_org()
    objected = world.advance(world.draft(org, member), State.PUBLICITY)
    services.raise_objection(actor=world.officer, project_id=objected.pk, comment="收到实名异议")
    client.post(reverse(URL, args=[objected.pk]), {"new_end": new_end.isoformat(), "reason": "异议核查期间顺延"})
    assert Project.objects.get(pk=objected.pk).publicity_end == new_end


class TestOnTheOfficialCalendar:
    """The 2026 国庆 case: published 2026-09-30, the five working days are 10-08, 10-09, the 10-10
    make-up Saturday, 10-12 and 10-13."""

    @pytest.fixture
    def national_day(self, world):
        project = world.advance(world.draft(), State.APPROVED)
        return services.publish_project(actor=world.officer, project_id=project.pk, now=shanghai(2026, 9, 30, 10))

    def correct(self, world, project, new_end, now):
        return services.correct_publicity_end(actor=world.officer, project_id=project.pk, new_end=new_end,
                                              reason="更正", now=now)

    def test_the_computed_end_skips_the_holiday(self, national_day):
        assert (national_day.publicity_start, national_day.publicity_end) == (date(2026, 9, 30), date(2026, 10, 13))

    def test_a_make_up_saturday_is_a_working_day_a_holiday_and_a_sunday_are_not(self, world, national_day):
        on_the_first = shanghai(2026, 10, 1, 9)
        for day in (date(2026, 10, 5), date(2026, 10, 11)):
            assert refusal(lambda d=day: self.correct(world, national_day, d, on_the_first)) == [
                f"{calendar.format_cn_date(day)}不是工作日，公示结束日期须为工作日"
            ]
        assert self.correct(world, national_day, date(2026, 10, 10), on_the_first).publicity_end == date(2026, 10, 10)

    def test_not_on_or_before_the_start_nor_before_today(self, world, national_day):
        assert refusal(lambda: self.correct(world, national_day, date(2026, 9, 30), shanghai(2026, 9, 30, 12))) == [
            "公示结束日期须晚于公示开始日期（2026年09月30日）"
        ]
        assert refusal(lambda: self.correct(world, national_day, date(2026, 10, 9), shanghai(2026, 10, 12, 9))) == [
            "公示结束日期不能早于今天（2026年10月12日），否则协议可立即签订"
        ]

    @pytest.mark.official_calendar
    def test_a_year_without_a_schedule_is_refused_not_guessed(self, world, national_day):
        far = date(max(calendar.LIBRARY_YEARS) + 3, 3, 2)
        with pytest.raises(calendar.CalendarNotPublished):
            self.correct(world, national_day, far, shanghai(2026, 10, 1, 9))
        assert Project.objects.get(pk=national_day.pk).publicity_end == date(2026, 10, 13)
