from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.states import State
from tests.builders import budget


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_query_count_does_not_grow_with_rows(world, client_for):
    c = client_for(world.officer)
    world.draft()
    filtered = reverse("projects:officer_list") + f"?round={world.round.pk}&state=draft"
    few, few_filtered = _count(c, reverse("projects:officer_list")), _count(c, filtered)
    for _ in range(6):
        org, member = world.new_org()
        world.draft(org=org, member=member)
    assert _count(c, reverse("projects:officer_list")) == few
    assert _count(c, filtered) == few_filtered


def test_filters_by_round_and_state(world, client_for):
    submitted = world.advance(world.draft(), State.SUBMITTED)
    org, member = world.new_org()
    world.draft(org=org, member=member, title="另一个")
    c = client_for(world.officer)
    page = c.get(reverse("projects:officer_list"), {"state": "submitted"}).context["page"]
    assert [p.pk for p in page] == [submitted.pk]


def test_detail_actions_call_services(world, client_for):
    project = world.advance(world.draft(), State.SUBMITTED)
    c = client_for(world.officer)
    response = c.post(reverse("projects:officer_action", args=[project.pk, "return_for_revision"]), {"comment": "", "confirm": "yes"},
                      follow=True)
    assert "执行「退回补正」须填写理由或说明" in [str(m) for m in response.context["messages"]]
    c.post(reverse("projects:officer_action", args=[project.pk, "return_for_revision"]), {"comment": "补充材料", "confirm": "yes"})
    project.refresh_from_db()
    assert project.state == State.RETURNED


def test_adjustment_request_and_decision_pages(world, client_for):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    lines = budget("100000.00", "40000.00")
    post = {"reason": "活动改线上", **{f"b_{k}": [line.get(k, "") for line in lines] for k in
                                       ("category", "item", "unit_price", "quantity", "source", "explanation")}}
    client_for(world.member).post(reverse("applicant:adjustment", args=[project.pk]), post)
    adjustment = project.adjustments.get()
    c = client_for(world.officer)
    c.post(reverse("projects:adjustment", args=[adjustment.pk]), {"decision": "approve"})
    adjustment.refresh_from_db()
    assert adjustment.state == "approved"
    assert project.budget_lines.get(category="labor").amount == 40000


def test_adjustment_over_the_cap_is_refused_on_the_page(world, client_for):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    lines = budget("100000.00", "50000.01")
    post = {"reason": "调整", **{f"b_{k}": [line.get(k, "") for line in lines] for k in
                                  ("category", "item", "unit_price", "quantity", "source", "explanation")}}
    response = client_for(world.member).post(reverse("applicant:adjustment", args=[project.pk]), post)
    assert any("超过上限 50,000.00 元" in p for p in response.context["unsaved"])
    assert not project.adjustments.exists()
