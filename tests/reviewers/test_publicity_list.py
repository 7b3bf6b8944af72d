"""The public 公示 list does work proportional to the page shown (issue 18): it is paged, its queries
do not grow with the list, it is cached per round and content version and still shows every later
change at once (a new publication, an upheld objection, a corrected end date), and an address that
asks too often gets a Chinese 429 page."""
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import ratelimit
from core import calendar
from projects import public_versions, services
from projects.models import Project
from projects.states import State
from reviewers.views import public as public_views
from tests.builders import World
from tests.projects.test_publicity_correction import next_day


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return World()


def _in_notice(world, n: int) -> list[Project]:
    """n projects whose 公示 starts today."""
    projects = []
    for _ in range(n):
        org, member = world.new_org()
        project = world.advance(world.draft(org, member), State.APPROVED)
        projects.append(services.publish_project(actor=world.officer, project_id=project.pk))
    return projects


def _codes(body: str) -> set[str]:
    return {p.code for p in Project.objects.exclude(code=None) if f'data-testid="publicity-{p.code}"' in body}


def _table(body: str) -> str:
    return body[body.index('data-testid="notice-facts"'):]


def _queries(url: str) -> int:
    client = Client()
    client.get(url)
    cache.clear()  # the page as the first reader after a change sees it: nothing cached
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_list_takes_the_same_queries_for_a_short_and_a_long_notice(world, monkeypatch):
    monkeypatch.setattr(public_views, "PER_PAGE", 2)
    url = reverse("reviewers:publicity", args=[world.round.pk])
    _in_notice(world, 3)
    few = _queries(url)
    _in_notice(world, 6)
    assert Project.objects.filter(state=State.PUBLICITY).count() == 9
    assert _queries(url) == few
    assert _queries(url + "?page=3") == few


def test_pages_show_other_rows_and_a_bad_page_number_is_not_an_error(world, monkeypatch):
    monkeypatch.setattr(public_views, "PER_PAGE", 2)
    projects = _in_notice(world, 5)
    url = reverse("reviewers:publicity", args=[world.round.pk])
    client = Client()
    first, second = _codes(client.get(url).content.decode()), _codes(client.get(url + "?page=2").content.decode())
    assert len(first) == len(second) == 2 and not first & second
    body = client.get(url + "?page=3").content.decode()
    assert _codes(body) == {sorted(p.code for p in projects)[-1]}
    assert '<td class="num" data-label="序号：">5</td>' in body  # rows keep their number in the whole notice
    assert 'rel="prev"' in body and "page=2" in body
    for bad in ("abc", "0", "-1", "1e9", "99999999999999999999"):
        response = client.get(url + f"?page={bad}")
        assert response.status_code == 200, bad
        assert _codes(response.content.decode()) in (first, _codes(body)), bad
    assert Client().get(reverse("reviewers:publicity", args=[999999])).status_code == 404


def test_a_cached_list_shows_a_new_publication_an_upheld_objection_and_a_corrected_date(world):
    url = reverse("reviewers:publicity", args=[world.round.pk])
    first, second = _in_notice(world, 2)
    client = Client()
    assert _codes(client.get(url).content.decode()) == {first.code, second.code}
    third, = _in_notice(world, 1)  # published after the list was cached
    assert third.code in _codes(client.get(url).content.decode())

    services.raise_objection(actor=world.officer, project_id=second.pk, comment="群众来信反映情况")
    assert "异议处理中" in client.get(url).content.decode()
    services.uphold_objection(actor=world.officer, project_id=second.pk, comment="经核实，异议成立")
    assert second.code not in _codes(client.get(url).content.decode())

    new_end = next_day(calendar.today() + timedelta(days=3), working=True)
    for project in (first, third):  # the notice's period ends on the last end date of those still open
        services.correct_publicity_end(actor=world.officer, project_id=project.pk, new_end=new_end, reason="节假日安排调整")
    body = client.get(url).content.decode()
    cache.clear()
    assert _table(body) == _table(client.get(url).content.decode())  # what a fresh build shows
    assert f"{first.publicity_start:%Y-%m-%d} – {new_end:%Y-%m-%d}" in body


def test_too_many_requests_from_one_address_get_a_chinese_429(world, settings):
    _in_notice(world, 1)
    url = reverse("reviewers:publicity", args=[world.round.pk])
    limit, _period = ratelimit.parse(str(settings.PUBLIC_PAGE_RATE))
    for _ in range(limit):
        ratelimit.hit("public_page", "127.0.0.1", str(settings.PUBLIC_PAGE_RATE))
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(url)
    assert response.status_code == 429
    assert "请求过于频繁" in response.content.decode() or "稍后" in response.content.decode()



def test_a_renamed_organization_is_renamed_on_the_cached_list_and_a_private_save_keeps_the_cache(world):
    project, = _in_notice(world, 1)
    url = reverse("reviewers:publicity", args=[world.round.pk])
    client = Client()
    client.get(url)
    token = public_versions.token(world.round.pk)
    project.edit_version += 1
    project.save(update_fields=["edit_version", "updated_at"])  # what a report's autosave writes
    assert public_versions.token(world.round.pk) == token
    organization = project.organization
    organization.name = "温州市改名后的社会工作服务中心"
    organization.save()
    assert public_versions.token(world.round.pk) != token
    assert "温州市改名后的社会工作服务中心" in client.get(url).content.decode()


def test_publishing_a_round_renews_its_token_once_and_the_cached_list_shows_it(world):
    """8,300 projects published at once rewrote the round's token row 8,300 times; now once."""
    from reviewers import services as review_services
    url = reverse("reviewers:publicity", args=[world.round.pk])
    client = Client()
    client.get(url)  # the (empty) list is cached
    approved = []
    for _ in range(3):
        org, member = world.new_org()
        approved.append(world.advance(world.draft(org, member), State.APPROVED))
    before = public_versions.token(world.round.pk)
    with CaptureQueriesContext(connection) as ctx:
        review_services.publish_round(actor=world.officer, round_id=world.round.pk)
    renewals = [q for q in ctx.captured_queries
                if "publicversion" in q["sql"].lower() and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert len(renewals) == 1
    assert public_versions.token(world.round.pk) != before
    assert _codes(client.get(url).content.decode()) == {p.code for p in Project.objects.filter(pk__in=[a.pk for a in approved])}


def test_a_bump_inside_a_block_that_fails_is_rolled_back_with_it(world):
    from django.db import transaction
    before = public_versions.token(world.round.pk)
    with pytest.raises(RuntimeError), transaction.atomic(), public_versions.one_bump_per_round():
        public_versions.bump([world.round.pk])
        raise RuntimeError
    assert public_versions.token(world.round.pk) == before
    with public_versions.one_bump_per_round():  # and the next block bumps again
        public_versions.bump([world.round.pk])
    assert public_versions.token(world.round.pk) != before
