"""The officer's project page shows the 结项决算: before the final evaluation as things stand, after
it as recorded — spending per budget line against the budget, 结余, what was paid, and the
reduction of the 尾款 (or the claw-back) — the figures finance.settling computes, nowhere else."""
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.settling import plan_for
from projects import services
from projects.models import Project, Settlement
from projects.states import State
from tests.monitoring.conftest import FINAL_GOOD, MIDTERM_PASS, evaluate

pytestmark = pytest.mark.django_db


def figure(page: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}">([^<]*)<', page).group(1)


def test_the_officer_sees_the_settlement_before_and_after_the_final_evaluation(world, client):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    evaluate(world, project, "midterm", MIDTERM_PASS)
    project = Project.objects.get(pk=project.pk)
    client.force_login(world.officer)
    url = reverse("projects:officer_detail", args=[project.pk])
    assert 'data-testid="settlement"' not in client.get(url).content.decode()  # no final report yet

    world.final_report(project, spent={"社区活动物资": "40000.00"})
    services.begin_final(actor=world.officer, project_id=project.pk)
    page = client.get(url).content.decode()
    plan = plan_for(Project.objects.get(pk=project.pk))
    assert 'data-testid="settlement-is-preview"' in page
    assert figure(page, "settlement-unspent") == "10,000.00" == f"{plan.unspent:,}"
    assert figure(page, "settlement-final") == "50,000.00"
    assert "社区活动物资" in page.split('data-testid="settlement-lines"')[1]

    evaluate(world, project, "final", FINAL_GOOD)
    recorded = Settlement.objects.get(project=project)
    page = client.get(url).content.decode()
    assert 'data-testid="settlement-is-preview"' not in page
    assert figure(page, "settlement-spent") == "90,000.00" and recorded.spent == Decimal("90000.00")
    assert figure(page, "settlement-unspent") == "10,000.00"
    assert 'data-testid="settlement-reduction"' in page and "10,000.00" in figure(page, "settlement-reduction")
    lines = page.split('data-testid="settlement-lines"')[1].split("</table>")[0]
    for row in recorded.line_rows:
        assert row["label"] in lines and f"{row['spent']:,}" in lines
