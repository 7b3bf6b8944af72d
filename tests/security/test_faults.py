"""Faults degrade cleanly: mail failures, a newline in a subject, the cache or the database away.

The action a person took stands and their page answers normally; what could not be done is logged;
/readyz names the broken dependency with a 503 while /healthz (liveness) still answers 200.
"""
import smtplib
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError, connection
from django.urls import reverse

from accounts.models import Notification
from config.celery import app as celery_app
from core import mail as core_mail
from projects.models import Project
from projects.states import State
from tests.broker import broker_down  # noqa: F401  (fixture)

CLOSED_PORT = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def submitted_with_newline_in_title(world) -> Project:
    project = world.advance(world.draft(), State.SUBMITTED)
    world.member.email = "member@example.com"
    world.member.save()
    # Stored before titles were checked (or by a crafted POST that reached the database then).
    Project.objects.filter(pk=project.pk).update(title="养老服务\r\nBcc: victim@example.com")
    return project


@pytest.mark.django_db(transaction=True)
def test_a_newline_in_a_title_no_longer_breaks_the_officers_action_and_the_mail_goes_out(client, world):
    project = submitted_with_newline_in_title(world)
    client.force_login(world.officer)
    response = client.post(reverse("projects:officer_action", args=[project.pk, "return_for_revision"]),
                           {"comment": "请补充材料", "confirm": "yes"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "BadHeaderError" not in page and "Header values can't contain newlines" not in page
    assert Project.objects.get(pk=project.pk).state == State.RETURNED
    assert len(mail.outbox) == 1
    subject = mail.outbox[0].subject
    assert "\r" not in subject and "\n" not in subject and "养老服务 Bcc: victim@example.com" in subject
    assert mail.outbox[0].to == ["member@example.com"]


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_outage_never_fails_the_action(client, world, settings, caplog):
    settings.EMAIL_BACKEND = "tests.security.test_faults.RefusingBackend"
    project = submitted_with_newline_in_title(world)
    client.force_login(world.officer)
    response = client.post(reverse("projects:officer_action", args=[project.pk, "return_for_revision"]),
                           {"comment": "请补充材料", "confirm": "yes"})
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).state == State.RETURNED
    assert Notification.objects.filter(recipient=world.member, project=project).exists()  # in-app copy kept
    assert "failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_control_character_in_a_single_line_field_is_refused_in_chinese(client, world):
    project = world.draft()
    client.force_login(world.member)
    url = reverse("applicant:section", args=[project.pk, "basic"])
    response = client.post(url, {"title": "第一行\n第二行", "summary": "多行\n摘要可以换行"}, follow=True)
    assert response.status_code in (200, 400)
    assert "不能包含换行或其他控制字符" in response.content.decode()
    assert "\n" not in Project.objects.get(pk=project.pk).title


@contextmanager
def database_unreachable():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": CLOSED_PORT}}


@pytest.mark.django_db
def test_readyz_is_ready_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["ready"] is True and response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_with_the_database_unreachable_readyz_says_so_and_healthz_stays_alive(client):
    with database_unreachable():
        ready = client.get("/readyz")
        alive = client.get("/healthz")
    assert ready.status_code == 503 and ready.json()["failed"] == ["database"]
    assert alive.status_code == 200


@pytest.mark.django_db
def test_with_the_cache_down_pages_work_and_readyz_names_the_cache(client, world, cache_down):
    client.force_login(world.member)
    project = world.draft()
    assert client.get(reverse("applicant:project", args=[project.pk])).status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["cache"]


@pytest.mark.django_db
def test_readyz_names_an_unwritable_media_folder_and_a_configured_broker_that_is_down(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    settings.CELERY_BROKER_URL = CLOSED_PORT
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = CLOSED_PORT
    try:
        response = client.get("/readyz")
    finally:
        celery_app.conf.broker_url = saved
    assert response.status_code == 503 and response.json()["failed"] == ["broker", "media"]


def test_with_the_broker_down_a_mail_is_sent_in_process_and_never_raises(settings, broker_down):
    core_mail._dispatch("益创：标题\r\n注入", "正文", ["a@example.com"])
    settings.EMAIL_BACKEND = "tests.security.test_faults.RefusingBackend"
    core_mail._dispatch("益创：标题", "正文", ["a@example.com"])  # the mail server is down too: logged only
    assert [m.subject for m in mail.outbox] == ["益创：标题 注入"]


class SecondGoesDownBackend(BaseEmailBackend):
    """Takes the first message, then the server goes away."""

    def send_messages(self, messages):
        if mail.outbox:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        mail.outbox.extend(messages)
        return len(messages)


def test_many_mails_of_one_event_go_one_per_person_and_an_outage_midway_is_logged(settings, caplog):
    messages = [("益创：新的评审任务\r\n", f"正文{i}", [f"e{i}@example.com"]) for i in range(3)]
    assert core_mail.send_mails_task.apply(args=[messages]).get() == 3
    assert [(m.to, m.subject) for m in mail.outbox] == [([f"e{i}@example.com"], "益创：新的评审任务") for i in range(3)]
    mail.outbox.clear()
    settings.EMAIL_BACKEND = "tests.security.test_faults.SecondGoesDownBackend"
    assert core_mail.send_mails_task.apply(args=[messages]).get() == 1  # eager: given up after the outage, logged
    assert [m.to for m in mail.outbox] == [["e0@example.com"]] and "giving up" in caplog.text


def test_with_the_broker_down_many_mails_are_sent_in_process(broker_down):
    core_mail._dispatch_many([("益创：标题", "正文", ["a@example.com"]), ("益创：标题", "正文", ["b@example.com"])])
    assert [m.to for m in mail.outbox] == [["a@example.com"], ["b@example.com"]]
