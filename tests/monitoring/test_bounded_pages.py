"""Pages that used to grow with the round do work proportional to the page shown (issue 18): the
evaluation work lists are paged (the releasable tranches: tests/finance/test_releasable_pages.py), the open-data download of a round is
built once per version of what the public sees and is rate-limited."""
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import ratelimit
from documents.models import Job, JobState
from projects import open_data_files, services
from projects.states import State
from projects.views import evaluation as evaluation_views
from tests.builders import build_open_data

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _rows(body: str) -> set[str]:
    return {part.split('"')[0] for part in body.split('data-project="')[1:]}


def test_each_part_of_the_evaluation_list_pages_on_its_own(client, world, monkeypatch):
    monkeypatch.setattr(evaluation_views, "PER_PAGE", 2)
    client.force_login(world.officer)
    url = reverse("monitoring:evaluations")
    for _ in range(3):
        org, member = world.new_org()
        world.advance(world.draft(org, member), State.MIDTERM_REVIEW)
    few = _queries(client, url)
    for _ in range(2):
        org, member = world.new_org()
        world.advance(world.draft(org, member), State.MIDTERM_REVIEW)
    assert _queries(client, url) == few
    first = _rows(client.get(url).content.decode())
    second = _rows(client.get(url, {"midterm_page": 2}).content.decode())
    third = _rows(client.get(url, {"midterm_page": 3}).content.decode())
    assert len(first) == len(second) == 2 and len(third) == 1
    assert not first & second and not second & third
    body = client.get(url, {"midterm_page": 2}).content.decode()
    assert "midterm_page=3" in body and "midterm_page=1" in body
    for bad in ("abc", "0", "-5", "99999999999999999999"):
        response = client.get(url, {"midterm_page": bad})
        assert response.status_code == 200, bad
        assert _rows(response.content.decode()) in (first, third), bad


def _download(client, round, fmt="json"):
    return client.get(reverse("public:open_data", args=[fmt]), {"round": round.pk})


def test_the_round_download_is_a_stored_file_outdated_by_a_publication_and_rebuilt_by_its_job(world):
    """No anonymous request builds the file: it streams what the job stored, or answers 202 while a
    change is announced and not yet built (never the old list without the change)."""
    client = Client()
    project = world.advance(world.draft(), State.APPROVED)
    pending = _download(client, world.round)
    assert pending.status_code == 202 and pending["Retry-After"] == "30" and "正在生成" in pending.content.decode()
    assert Job.objects.filter(kind=open_data_files.KIND, params__round_id=world.round.pk).exists()  # never built: asked for
    build_open_data()
    with CaptureQueriesContext(connection) as served:
        response = _download(client, world.round)
        assert json.loads(b"".join(response.streaming_content))["projects"] == []
    assert not any("projects_project" in q["sql"] for q in served.captured_queries)  # a stored file, not rows
    services.publish_project(actor=world.officer, project_id=project.pk)
    assert _download(client, world.round).status_code == 202  # outdated in the publication's transaction
    assert client.get(reverse("public:open_data", args=["csv"])).status_code == 202  # every round's file too
    build_open_data()
    project.refresh_from_db()
    rows = json.loads(b"".join(_download(client, world.round).streaming_content))["projects"]
    assert [r["code"] for r in rows] == [project.code] and rows[0]["status"] == "公示中"
    assert project.code in b"".join(_download(client, world.round, "csv").streaming_content).decode("utf-8-sig")
    every = client.get(reverse("public:open_data", args=["csv"]))
    assert project.code in b"".join(every.streaming_content).decode("utf-8-sig")
    assert _download(client, type(world.round)(pk=999999)).status_code == 200  # no such round: an empty file


def test_the_job_runs_after_the_publication_commits(world, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):  # each step commits, as requests do
        project = world.advance(world.draft(), State.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_project(actor=world.officer, project_id=project.pk)
    project.refresh_from_db()
    rows = json.loads(b"".join(_download(client, world.round).streaming_content))["projects"]
    assert [r["code"] for r in rows] == [project.code]
    done = Job.objects.filter(kind=open_data_files.KIND, state=JobState.DONE)
    assert {j.params["round_id"] for j in done} == {world.round.pk, None}  # the round's, and every round's


def test_the_download_answers_a_chinese_429_to_an_address_that_asks_too_often(world, settings):
    limit, _period = ratelimit.parse(str(settings.PUBLIC_PAGE_RATE))
    for _ in range(limit):
        ratelimit.hit("public_page", "127.0.0.1", str(settings.PUBLIC_PAGE_RATE))
    response = _download(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), world.round, "csv")
    assert response.status_code == 429 and "请求过于频繁" in response.content.decode()

