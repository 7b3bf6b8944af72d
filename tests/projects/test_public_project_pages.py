"""Public pages of funded projects (issue 15): granted, paid and unspent from the ledger and the
reports, indicator results; nothing before signing, nothing private."""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from projects import services
from projects.models import Indicator
from projects.states import State
from tests.builders import PDF, World


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return World()


def test_a_running_project_discloses_its_money_and_indicators(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    indicator = Indicator.objects.get(project=project)
    line = project.budget_lines.filter(source="grant").first()
    services.submit_report(actor=world.member, project_id=project.pk, kind="progress", narrative="第一季度进展",
                           expenditures=[{"budget_line_id": line.pk, "item": line.item, "amount": "1000.00"}],
                           achieved={indicator.pk: "500"},
                           receipts=[(1, SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"))])
    response = Client().get(reverse("public:project", args=[project.code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "100,000.00" in body  # granted
    paid = body.split('data-testid="paid">')[1].split("<")[0]
    assert Decimal(paid.replace(",", "")) > 0  # the first tranche, from the ledger
    assert "服务人次" in body and "25.0%" in body  # 500 of 2000
    assert body.split('data-testid="spent">')[1].split("<")[0] == "1,000.00"
    assert body.split('data-testid="unspent">')[1].split("<")[0] == "99,000.00"
    for private in (world.org.credit_code, world.org.bank_account_no, world.org.contact_phone):
        if private:
            assert private not in body
    listing = Client().get(reverse("public:index")).content.decode()
    assert reverse("public:project", args=[project.code]) in listing


def test_projects_before_signing_have_no_public_page(world):
    for state in (State.SUBMITTED,):
        project = world.advance(world.draft(), state)
        assert Client().get(reverse("public:project", args=[project.code])).status_code == 404
    assert Client().get(reverse("public:project", args=["NOPE-1"])).status_code == 404
