"""xlsx downloads of the ledger, the finance overview and the ranking (issue 12, documents): the
figures every page shows, cells starting with a formula character escaped."""
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from projects import services
from projects.states import State

pytestmark = pytest.mark.django_db


def _cells(response) -> list[list]:
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_money_sheets(client, world):
    project = world.advance(world.draft(title="=HYPERLINK(\"http://x\")"), State.IN_PROGRESS)
    services.terminate_project(actor=world.officer, project_id=project.pk, reason="机构停止运营")
    client.force_login(world.finance)
    response = client.get(reverse("finance:home_xlsx"), {"round": world.round.pk})
    overview = _cells(response)
    row = next(r for r in overview if r[0] == project.code)
    assert row[1] == "=HYPERLINK(\"http://x\")"  # the exact title, in a string cell: never a formula
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    assert Decimal(str(row[-1])) == Decimal("40000")  # a terminated project holds what it was paid
    left = next(r for r in overview if r[0] == "剩余资金")
    assert Decimal(str(left[-1])) == world.round.pot - Decimal("40000")
    ledger = _cells(client.get(reverse("finance:ledger_xlsx"), {"round": world.round.pk}))
    assert ledger[0][:2] == ["日期", "项目编号"] and len(ledger) > 3
    client.force_login(world.officer)
    assert client.get(reverse("finance:ledger_xlsx"), {"round": world.round.pk}).status_code == 404
    ranking = _cells(client.get(reverse("reviewers:ranking_xlsx", args=[world.round.pk])))
    assert ranking[0][0] == "排名" and ranking[1][1] == project.code
