"""结项决算 in Chromium (issue 12): the organization files a final report that leaves part of the grant
unspent, the officer starts the final evaluation, the evaluator passes it, and the reduced payments
are what the officer, finance and the organization (on a phone, too) read."""
from decimal import Decimal

import pytest

from finance.models import TrancheState
from projects import services
from projects.models import Project, Settlement
from projects.states import State
from tests.browser.conftest import fits_width, login, screenshot
from tests.monitoring.conftest import FINAL_GOOD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_final_report_with_unspent_money_reduces_what_is_still_paid(page, phone, world):
    project = world.advance(world.advance(world.draft(title="长者互助食堂"), State.MIDTERM_REVIEW), State.IN_PROGRESS)
    labor = project.budget_lines.get(item="项目社工劳务费")
    activity = project.budget_lines.get(item="社区活动物资")
    services.submit_report(actor=world.member, project_id=project.pk, kind="progress", narrative="上半年",
                           expenditures=[{"budget_line_id": labor.pk, "item": "社工劳务", "amount": "50000.00"}])

    # The organization files the final report: 40,000 of the 50,000 activity budget spent.
    login(page, world.member.username)
    page.goto(page.base + f"/apply/p/{project.pk}/reports/")
    page.select_option("#id_kind", "final")
    page.fill("#id_narrative", "全年服务2300人次，活动物资结余10,000元")
    row = page.locator('[data-rows="e_line"] [name="e_line"]').first
    row.select_option(str(activity.pk))
    page.locator('[name="e_item"]').first.fill("活动物资")
    page.locator('[name="e_amount"]').first.fill("40000.00")
    page.click('[data-testid="submit-report"]')
    page.wait_for_load_state("networkidle")
    assert project.reports.filter(kind="final").exists()

    # The officer starts the final evaluation; the page already says what the settlement would do.
    page.context.clear_cookies()
    login(page, world.officer.username)
    page.goto(page.base + f"/monitoring/projects/{project.pk}/")
    page.click('[data-testid="begin-final"]')
    page.wait_for_load_state("networkidle")
    assert "50,000.00" in page.locator('[data-testid="settlement-preview"]').inner_text()

    # The evaluator passes it.
    page.context.clear_cookies()
    login(page, world.evaluator.username)
    page.goto(page.base + f"/monitoring/projects/{project.pk}/")
    form = page.locator('[data-testid="score-form"]')
    for code, value in FINAL_GOOD.items():
        form.locator(f"#id_score_{code}").fill(value)
    page.click('[data-testid="submit-evaluation"]')
    page.wait_for_load_state("networkidle")
    settlement = Settlement.objects.get(project=project)
    assert (settlement.unspent, settlement.final_payable) == (Decimal("10000.00"), Decimal("50000.00"))
    tranche = Project.objects.get(pk=project.pk).tranches.get(name="尾款")
    assert (tranche.state, tranche.amount) == (TrancheState.RELEASABLE, Decimal("10000.00"))

    page.context.clear_cookies()
    login(page, world.officer.username)
    page.goto(page.base + f"/monitoring/projects/{project.pk}/")
    assert page.locator('[data-testid="settlement-unspent"]').inner_text() == "10,000.00"
    assert page.locator('[data-testid="tranches"] tr[data-tranche="3"]').get_attribute("data-state") == "releasable"
    screenshot(page, "settlement-officer")

    page.context.clear_cookies()
    login(page, world.finance.username)
    page.goto(page.base + f"/finance/?round={world.round.pk}")
    assert "10,000.00" in page.locator(f'[data-testid="settlement-{project.pk}"]').inner_text()
    screenshot(page, "settlement-finance")

    page.context.clear_cookies()
    login(page, world.member.username)
    page.goto(page.base + f"/apply/p/{project.pk}/")
    assert page.locator('[data-testid="settlement-final"]').inner_text() == "50,000.00"
    screenshot(page, "settlement-applicant")
    login(phone, world.member.username)
    phone.goto(phone.base + f"/apply/p/{project.pk}/")
    assert phone.locator('[data-testid="settlement-reduction"]').is_visible()
    assert fits_width(phone)
    screenshot(phone, "settlement-applicant-phone")
