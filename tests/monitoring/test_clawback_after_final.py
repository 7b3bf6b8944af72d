from decimal import Decimal

import pytest

from finance.models import Clawback
from projects import services
from projects.errors import ProjectError
from projects.states import State


def _fail_final(world):
    project = world.advance(world.draft(), State.FINAL_REVIEW)
    services.record_evaluation(actor=world.evaluator, project_id=project.pk, kind="final", comment="指标未完成",
                               scores={"indicators": 10, "execution": 10, "compliance": 10, "satisfaction": 10,
                                       "branding": 5})
    return project


def test_officer_records_clawback_once_after_failed_final(world, client):
    project = _fail_final(world)
    client.force_login(world.officer)
    page = client.get(f"/monitoring/projects/{project.pk}/")
    assert 'data-testid="terminate-form"' in page.content.decode()
    response = client.post(f"/monitoring/projects/{project.pk}/terminate/", {"reason": "资金使用不合规", "clawback": "1000.00"})
    assert response.status_code == 302
    assert Clawback.objects.get(project=project).amount == Decimal("1000.00")
    with pytest.raises(ProjectError, match="不能重复登记"):
        services.claw_back_after_failure(actor=world.officer, project_id=project.pk, amount="1", reason="再次")


def test_clawback_refused_for_other_roles_and_above_paid(world):
    project = _fail_final(world)
    with pytest.raises(ProjectError, match="项目管理员"):
        services.claw_back_after_failure(actor=world.evaluator, project_id=project.pk, amount="1", reason="x")
    from finance.errors import FinanceError

    with pytest.raises(FinanceError, match="不能超过已拨付金额"):
        services.claw_back_after_failure(actor=world.officer, project_id=project.pk, amount="999999", reason="x")
