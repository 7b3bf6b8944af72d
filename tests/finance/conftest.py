"""Finance fixtures: signed projects with awkward amounts, three finance officers, batches."""
from decimal import Decimal

import pytest

from accounts.models import Role
from finance import services
from finance.models import Tranche, TrancheState
from projects import services as project_services
from projects.states import State
from tests.factories import UserFactory

ONE_TRANCHE = [{"name": "一次性拨付", "percent": "100", "trigger": "signing"}]


def signed(world, amount: str, *, org_kwargs=None, **fields):
    """A project of a fresh organization, signed at `amount` (its first tranche is releasable)."""
    org, member = world.new_org(**(org_kwargs or {}))
    labor = (Decimal(amount) / 2).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    project = world.draft(org, member, grant_total=amount, labor=str(labor), title=fields.pop("title", "长者互助食堂"))
    if fields:
        project_services.update_project(actor=member, project_id=project.pk, **fields)
    return world.advance(project, State.CONTRACTED)


def releasable_ids(project) -> list[int]:
    return list(Tranche.objects.filter(project=project, state=TrancheState.RELEASABLE).values_list("pk", flat=True))


@pytest.fixture
def officers(db):
    """经办, 审核, 审批: three finance officers."""
    return [UserFactory(role=Role.FINANCE, display_name=name) for name in ("经办员甲", "审核员乙", "审批员丙")]


def approved_batch(world, officers, tranche_ids=None):
    preparer, checker, approver = officers
    batch = services.create_batch(actor=preparer, round_id=world.round.pk, tranche_ids=tranche_ids)
    services.submit_batch(actor=preparer, batch_id=batch.pk)
    services.check_batch(actor=checker, batch_id=batch.pk)
    services.approve_batch(actor=approver, batch_id=batch.pk, password="pass-12345")
    batch.refresh_from_db()
    return batch
