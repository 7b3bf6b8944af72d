"""The officer's round dashboard: real SVG charts, the preference marker, constant queries."""
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.states import State
from tests.factories import RoundFactory
from tests.monitoring.conftest import FINAL_EXCELLENT, FINAL_GOOD, START, evaluate, final_review

pytestmark = pytest.mark.django_db

CHARTS = ["chart-domain-applications", "chart-domain-funding", "chart-district-applications",
          "chart-district-funding", "chart-final-scores", "chart-midterm-scores", "chart-states", "chart-tranches",
          "chart-indicators"]


def _svgs(body: str) -> dict[str, ET.Element]:
    found = {}
    for chunk in body.split("<svg")[1:]:
        svg = ET.fromstring("<svg" + chunk.split("</svg>")[0] + "</svg>")
        found[svg.get("data-testid")] = svg
    return found


def _bars(svg: ET.Element) -> dict[str, str]:
    return {g.get("data-label"): g.get("data-value") for g in svg.iter("{http://www.w3.org/2000/svg}g")}


def test_dashboard_draws_every_chart_from_the_round(client, world):
    done = final_review(world)
    evaluate(world, done, "final", FINAL_GOOD)
    org, member = world.new_org()
    world.advance(world.draft(org, member, grant_total="80000.00", labor="40000.00"), State.IN_PROGRESS)
    client.force_login(world.officer)
    body = client.get(reverse("monitoring:dashboard", args=[world.round.pk])).content.decode()
    svgs = _svgs(body)
    assert set(CHARTS) <= set(svgs)
    assert list(_bars(svgs["chart-domain-applications"]).values()) == ["2"]
    assert list(_bars(svgs["chart-domain-funding"]).values()) == ["180000.00"]
    assert _bars(svgs["chart-district-applications"]) == {"鹿城区": "2"}
    assert _bars(svgs["chart-final-scores"])["80–90"] == "1"
    assert sorted(_bars(svgs["chart-states"]).values()) == ["1", "1"]
    tranche_values = _bars(svgs["chart-tranches"])
    assert len(tranche_values) >= 3  # paid, releasable, planned


def test_dashboard_is_for_officers_only(client, world):
    url = reverse("monitoring:dashboard", args=[world.round.pk])
    for user in (world.member, world.evaluator, world.finance, world.expert.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(reverse("monitoring:overdue", args=[world.round.pk])).status_code == 404
    client.force_login(world.officer)
    assert client.get(reverse("monitoring:dashboard", args=[999999])).status_code == 404
    assert client.get(reverse("monitoring:home")).status_code == 200


def test_dashboard_queries_do_not_grow_with_the_round(client, world):
    client.force_login(world.officer)
    url = reverse("monitoring:dashboard", args=[world.round.pk])
    evaluate(world, final_review(world), "final", FINAL_GOOD)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        org, member = world.new_org()
        evaluate(world, final_review(world, org, member), "final", FINAL_EXCELLENT)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert body.count("data-project=") == 4
    assert len(many) == len(few)


def test_an_excellent_grade_earns_a_preference_marker_in_a_later_round(client, world, clock):
    evaluate(world, final_review(world), "final", FINAL_EXCELLENT)
    good_org, good_member = world.new_org()
    evaluate(world, final_review(world, good_org, good_member), "final", FINAL_GOOD)

    clock.move_to(START + timedelta(days=365))
    world.round = RoundFactory()
    excellent = world.advance(world.draft(title="第二年项目"), State.PUBLICITY)
    good = world.advance(world.draft(good_org, good_member, title="第二年项目B"), State.PUBLICITY)
    client.force_login(world.officer)
    body = client.get(reverse("monitoring:dashboard", args=[world.round.pk])).content.decode()
    rows = {pk: body.split(f'data-project="{pk}"')[1].split("</tr>")[0] for pk in (excellent.pk, good.pk)}
    assert 'data-testid="preference"' in rows[excellent.pk]
    assert 'data-testid="preference"' not in rows[good.pk]


def test_overdue_milestones_across_the_round(client, world, clock):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    world.advance(world.draft(*world.new_org()), State.IN_PROGRESS)
    first_due = project.milestones.order_by("due_date").first().due_date
    clock.move_to(START + timedelta(days=45))
    client.force_login(world.officer)
    body = client.get(reverse("monitoring:overdue", args=[world.round.pk])).content.decode()
    assert body.count("data-milestone=") == 2  # "启动" of both projects, due 30 days after start
    assert first_due.isoformat() in body
