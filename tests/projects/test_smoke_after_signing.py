import pytest

from projects import services
from projects.errors import ProjectError
from projects.states import State
from tests.builders import budget


def test_adjustment_and_report_labor_rule(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    with pytest.raises(ProjectError) as exc:
        services.request_budget_adjustment(actor=world.member, project_id=project.pk,
                                           lines=budget("100000.00", "50000.01"), reason="调整")
    assert "50,000.01" in exc.value.message and "50,000.00" in exc.value.message
    adj = services.request_budget_adjustment(actor=world.member, project_id=project.pk,
                                             lines=budget("100000.00", "40000.00"), reason="调整")
    services.decide_budget_adjustment(actor=world.officer, adjustment_id=adj.pk, approve=True)
    services.submit_report(actor=world.member, project_id=project.pk, kind="progress", narrative="进展",
                           expenditures=[{"category": "labor", "item": "劳务", "amount": "50000.00", "source": "grant"}])
    with pytest.raises(ProjectError) as exc:
        services.submit_report(actor=world.member, project_id=project.pk, kind="progress", narrative="进展",
                               expenditures=[{"category": "labor", "item": "劳务", "amount": "0.01", "source": "grant"}])
    assert "累计实际支出" in exc.value.message
