"""As an officer, in Chromium: the eligibility check with the organization's facts beside the
application and a decision that needs its confirmation; a report returned, resubmitted by the
organization (on a phone) and then accepted."""
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from grants import services as grants
from projects import services
from projects.models import Project, Report, ReportReview
from projects.states import State
from tests.browser.conftest import fits_width, login, screenshot
from tests.builders import PDF
from tests.factories import RoundFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_eligibility_check_with_the_panel_and_a_confirmed_decision(page, phone, world):
    this_round, world.round = world.round, RoundFactory(name="2025年度公益创投")
    world.advance(world.draft(title="2025年长者助餐"), State.UNDER_REVIEW)
    world.round = this_round
    project = world.advance(world.draft(), State.SUBMITTED)
    grants.record_credit_listing(actor=world.officer, organization=world.org, list_type="abnormal",
                                 listed_on=timezone.localdate() - timedelta(days=1000),
                                 removed_on=timezone.localdate() - timedelta(days=900), reason="未按时报送年报")

    login(page, world.officer.username)
    page.goto(page.base + f"/projects/{project.pk}/")
    panel = page.locator('[data-testid="eligibility-panel"]')
    expect(panel).to_contain_text(world.org.credit_code)
    expect(panel).to_contain_text("未按时报送年报")
    expect(panel).to_contain_text("2025年长者助餐")
    expect(panel.locator('[data-testid="eligibility-verdict"]')).to_contain_text("符合本批次全部资格条件")
    # Beside the application on a wide screen.
    app_box = page.locator('#application-title').bounding_box()
    panel_box = panel.bounding_box()
    assert panel_box["x"] > app_box["x"] + app_box["width"]
    screenshot(page, "officer-eligibility-1280")

    form = page.locator('form[data-action="accept_for_review"]')
    form.locator("textarea").fill("材料齐全，符合申报条件")
    form.locator("button").click()  # not confirmed: the browser keeps the form, nothing is recorded
    assert Project.objects.get(pk=project.pk).state == State.SUBMITTED
    form.locator('input[name="confirm"]').check()
    form.locator("button").click()
    expect(page.locator('[data-testid="state"]')).to_have_attribute("data-state", "under_review")

    other = world.advance(world.draft(*world.new_org(), title="另一个申报"), State.SUBMITTED)
    login(phone, world.officer.username)
    phone.goto(phone.base + f"/projects/{other.pk}/")
    expect(phone.locator('[data-testid="eligibility-panel"]')).to_be_visible()
    assert fits_width(phone)
    screenshot(phone, "officer-eligibility-375")


def _receipt(name: str, tag: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF.replace(b"%%EOF", f"% {tag}\n%%EOF".encode()), content_type="application/pdf")


def test_a_report_is_returned_resubmitted_and_accepted(page, phone, world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    labor, activity = project.budget_lines.order_by("position", "id")
    report = services.submit_report(
        actor=world.member, project_id=project.pk, kind="progress", narrative="开展助餐服务120次",
        expenditures=[{"budget_line_id": labor.pk, "item": "社工劳务3月", "amount": "8000.00"},
                      {"budget_line_id": activity.pk, "item": "餐具采购", "amount": "1200.00"}],
        receipts=[(1, _receipt("劳务发票.pdf", "a")), (2, _receipt("餐具发票.pdf", "b"))])

    login(page, world.officer.username)
    page.goto(page.base + f"/projects/{project.pk}/")
    page.click('[data-testid="open-report"]')
    page.wait_for_url(re.compile(rf"/projects/reports/{report.pk}/$"))
    expect(page.locator('[data-testid="spending-by-line"]')).to_contain_text("餐具发票.pdf")
    expect(page.locator('[data-testid="spending-by-line"]')).to_contain_text("50,000.00")
    screenshot(page, "officer-report-1280")
    page.fill("#id_comment", "餐具票据金额与支出不符，请更正")
    page.click('[data-testid="return-report"]')
    expect(page.locator('[data-testid="review-status"]')).to_have_attribute("data-status", "returned")

    login(phone, world.member.username)
    phone.goto(phone.base + f"/apply/p/{project.pk}/reports/")
    expect(phone.locator('[data-testid="report-review-status"]')).to_have_attribute("data-status", "returned")
    expect(phone.locator('[data-testid="report-review-comment"]')).to_contain_text("餐具票据金额与支出不符")
    phone.click('[data-testid="resubmit-report"]')
    expect(phone.locator('[data-testid="correcting"]')).to_be_visible()
    rows = phone.locator('[data-rows="e_line"] > .row')
    expect(rows).to_have_count(2)
    rows.nth(1).locator('[name="e_amount"]').fill("1100.00")
    for index, (name, tag) in enumerate([("劳务发票.pdf", "a"), ("餐具发票-更正.pdf", "c")]):
        data = PDF.replace(b"%%EOF", f"% {tag}\n%%EOF".encode())
        rows.nth(index).locator("input[data-receipts]").set_input_files(
            [{"name": name, "mimeType": "application/pdf", "buffer": data}])
    assert fits_width(phone)
    screenshot(phone, "applicant-report-resubmit-375")
    phone.click('[data-testid="submit-report"]')
    phone.wait_for_load_state("networkidle")
    corrected = Report.objects.get(resubmission_of=report)
    assert sorted(corrected.expenditures.values_list("amount", flat=True)) == [1100, 8000]

    page.goto(page.base + f"/projects/reports/{corrected.pk}/")
    expect(page.locator('[data-testid="resubmission-of"]')).to_contain_text("餐具票据金额与支出不符")
    page.click('[data-testid="accept-report"]')
    expect(page.locator('[data-testid="review-status"]')).to_have_attribute("data-status", "accepted")
    assert Report.objects.get(pk=corrected.pk).review_status == ReportReview.ACCEPTED

    phone.goto(phone.base + f"/projects/reports/{corrected.pk}/")  # an applicant never opens the officer page
    assert "404" in phone.title() or phone.locator("h1").inner_text() != "进度报告"
    login(phone, world.officer.username)
    phone.goto(phone.base + f"/projects/reports/{corrected.pk}/")
    assert fits_width(phone)
    screenshot(phone, "officer-report-375")


def test_the_diff_and_the_adjustment_speak_chinese_and_highlight_changes(page, world):
    from tests.builders import budget

    project = world.advance(world.draft(), State.SUBMITTED)
    services.return_for_revision(actor=world.officer, project_id=project.pk, comment="请调整预算")
    lines = list(reversed(budget("100000.00", "40000.00", cofund_labor="5000.00")))
    services.replace_budget(actor=world.member, project_id=project.pk, lines=lines)
    services.update_project(actor=world.member, project_id=project.pk, domain="youth")
    services.submit_project(actor=world.member, project_id=project.pk)
    login(page, world.officer.username)
    page.goto(page.base + f"/projects/{project.pk}/changes/")
    changed = page.locator('[data-testid="row-changes-budget"] td[data-changed="yes"]')
    expect(changed.first).to_be_visible()
    text = page.locator("main").inner_text()
    for code in ("requested_amount", "unit_price", "labor", "grant", "cofund", "changed", "added", "youth"):
        assert code not in text, code
    screenshot(page, "officer-changes-1280")

    running = world.advance(world.draft(*world.new_org(), title="实施中的项目"), State.IN_PROGRESS)
    proposed = budget("100000.00", "45000.00")
    adjustment = services.request_budget_adjustment(actor=world.member_for(running), project_id=running.pk,
                                                    lines=proposed, reason="活动改为线上")
    page.goto(page.base + f"/projects/adjustments/{adjustment.pk}/")
    expect(page.locator('[data-testid="proposed-budget"] th').first).to_have_text("类别")
    expect(page.locator('td[data-changed="yes"]').first).to_be_visible()
    text = page.locator("main").inner_text()
    for code in ("labor", "grant", "cofund", "activity"):
        assert code not in text, code
    screenshot(page, "officer-adjustment-1280")
