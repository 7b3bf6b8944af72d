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
from projects import services
from projects.states import State
from projects.views import evaluation as evaluation_views

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


def test_the_round_download_is_built_once_and_renewed_by_a_publication(world):
    client = Client()
    project = world.advance(world.draft(), State.APPROVED)
    assert json.loads(_download(client, world.round).content)["projects"] == []
    with CaptureQueriesContext(connection) as cached:
        assert _download(client, world.round).status_code == 200
    assert not any("projects_project" in q["sql"] for q in cached.captured_queries)  # from the cache
    services.publish_project(actor=world.officer, project_id=project.pk)
    project.refresh_from_db()
    rows = json.loads(_download(client, world.round).content)["projects"]
    assert [r["code"] for r in rows] == [project.code] and rows[0]["status"] == "公示中"
    assert project.code in _download(client, world.round, "csv").content.decode("utf-8-sig")
    # Every round's download too.
    assert project.code in client.get(reverse("public:open_data", args=["csv"])).content.decode("utf-8-sig")
    assert _download(client, type(world.round)(pk=999999)).status_code == 200  # no such round: an empty file


def test_the_download_answers_a_chinese_429_to_an_address_that_asks_too_often(world, settings):
    limit, _period = ratelimit.parse(str(settings.PUBLIC_PAGE_RATE))
    for _ in range(limit):
        ratelimit.hit("public_page", "127.0.0.1", str(settings.PUBLIC_PAGE_RATE))
    response = _download(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), world.round, "csv")
    assert response.status_code == 429 and "请求过于频繁" in response.content.decode()
