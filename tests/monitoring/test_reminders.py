"""Milestone reminders with a frozen clock: 7 days before, on the day, once overdue; each once."""
from datetime import date, timedelta

import pytest
from django.core import mail

from accounts.models import Notification
from projects.models import MilestoneReminder
from projects.reminders import send_due_reminders
from projects.states import State
from projects.tasks import send_milestone_reminders
from tests.monitoring.conftest import START

pytestmark = pytest.mark.django_db

FIRST_DUE = START.date() + timedelta(days=30)  # World.draft: "启动" due in 30 days, "中期" in 180


@pytest.fixture
def running(world, clock):
    world.member.email = "member@example.org"
    world.member.save()
    return world.advance(world.draft(), State.IN_PROGRESS)


def _on(clock, day: date) -> None:
    clock.move_to(day.isoformat() + "T08:00:00+08:00")


def _kinds():
    return sorted(MilestoneReminder.objects.values_list("milestone__title", "kind"))


def test_nothing_before_the_lead_time(running, clock, world):
    _on(clock, FIRST_DUE - timedelta(days=8))
    assert send_due_reminders() == 0
    assert not MilestoneReminder.objects.exists()
    assert not Notification.objects.filter(key__startswith="milestone:").exists()


def test_seven_days_before_once_in_app_and_by_email(running, clock, world, django_capture_on_commit_callbacks):
    _on(clock, FIRST_DUE - timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders() == 1
    assert _kinds() == [("启动", "before_7d")]
    note = Notification.objects.get(key__startswith="milestone:")
    assert note.recipient == world.member and note.project == running
    assert "还有7天" in note.text and "启动" in note.text
    assert [m.to for m in mail.outbox] == [["member@example.org"]]

    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders() == 0  # the same day again
    _on(clock, FIRST_DUE - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders() == 0  # still inside the 7 days: already told
    assert Notification.objects.filter(key__startswith="milestone:").count() == 1
    assert len(mail.outbox) == 1


def test_due_day_then_overdue_each_once(running, clock):
    for day in (FIRST_DUE - timedelta(days=7), FIRST_DUE, FIRST_DUE, FIRST_DUE + timedelta(days=1),
                FIRST_DUE + timedelta(days=2), FIRST_DUE + timedelta(days=40)):
        _on(clock, day)
        send_due_reminders()
    assert _kinds() == [("启动", "before_7d"), ("启动", "due"), ("启动", "overdue")]
    texts = list(Notification.objects.filter(key__startswith="milestone:").order_by("id").values_list("text", flat=True))
    assert len(texts) == 3
    assert "今天" in texts[1] and "已逾期1天" in texts[2]


def test_a_missed_run_sends_only_the_reminder_that_is_still_true(running, clock):
    _on(clock, FIRST_DUE + timedelta(days=2))
    assert send_due_reminders() == 1
    assert _kinds() == [("启动", "overdue")]


def test_projects_not_under_way_get_no_reminders(world, clock):
    world.draft()  # a draft has milestones too
    _on(clock, FIRST_DUE)
    assert send_due_reminders() == 0


def test_the_beat_task_is_idempotent(running, clock):
    _on(clock, FIRST_DUE - timedelta(days=7))
    assert send_milestone_reminders.delay().get() == 1
    assert send_milestone_reminders.delay().get() == 0
    assert MilestoneReminder.objects.count() == 1


def test_beat_runs_the_task_daily_at_eight_shanghai_time():
    from celery.schedules import crontab

    from config.celery import app

    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == send_milestone_reminders.name)
    assert entry["schedule"] == crontab(hour=8, minute=0)
    assert str(app.conf.timezone) == "Asia/Shanghai"
