"""A new organization registers, applies, fixes its budget, submits, is returned and resubmits — in Chromium."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import Notification
from grants import services as grants
from projects.models import Project
from tests.browser.conftest import fits_width, login, screenshot
from tests.builders import PDF
from tests.factories import credit_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "温州市新芽社会工作服务中心"


def _fill_row(page, container: str, index: int, values: dict) -> None:
    row = page.locator(f"{container} > .row").nth(index)
    for name, value in values.items():
        field = row.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def _save_next(page) -> None:
    page.click('[data-testid="save-next"]')
    page.wait_for_load_state("networkidle")


def test_listed_organization_fails_the_eligibility_check(phone, world):
    grants.record_credit_listing(actor=world.officer, organization=world.org, list_type="abnormal",
                                 listed_on=date.today() - timedelta(days=60), reason="未按时年检")
    login(phone, world.member.username)
    phone.goto(phone.base + f"/apply/rounds/{world.round.pk}/")
    reasons = phone.locator('[data-testid="eligibility-reason"]').all_inner_texts()
    assert any("活动异常名录" in r for r in reasons)
    assert phone.locator('[data-testid="start"]').count() == 0
    assert fits_width(phone)
    screenshot(phone, "applicant-eligibility-failed")


def test_new_organization_applies_fixes_budget_submits_and_resubmits(phone, page, world):
    p = phone
    code = credit_code("2")
    # --- register
    p.goto(p.base + "/login/")
    p.click('[data-testid="register-link"]')
    p.fill("#id_name", NAME)
    p.fill("#id_credit_code", code[:-1] + ("0" if code[-1] != "0" else "1"))
    p.wait_for_selector('[data-testid="credit-code-check"][data-ok="0"]')
    assert "校验位" in p.inner_text('[data-testid="credit-code-check"]')
    p.fill("#id_credit_code", code.lower())
    p.wait_for_selector('[data-testid="credit-code-check"][data-ok="1"]')
    p.select_option("#id_org_type", "social_service")
    p.fill("#id_registration_date", "2020-05-01")
    p.fill("#id_district", "鹿城区")
    p.fill("#id_contact_name", "王芳")
    p.fill("#id_contact_phone", "13900000000")
    p.fill("#id_bank_account_name", NAME)
    p.fill("#id_bank_name", "温州银行")
    p.fill("#id_bank_account_no", "6228480000000001")
    p.fill("#id_bank_code", "313333000011")
    p.fill("#id_username", "xinya")
    p.fill("#id_email", "xinya@example.org")
    p.fill("#id_display_name", "王芳")
    p.fill("#id_password1", "Xinya-pass-2024")
    p.fill("#id_password2", "Xinya-pass-2024")
    assert fits_width(p)
    screenshot(p, "applicant-register")
    p.click('[data-testid="register-submit"]')
    p.wait_for_url(re.compile(r"/apply/$"))

    # --- round list and pre-check
    p.click('[data-testid="rounds-link"]')
    # countdown.js fills it after load; wait for it rather than racing it on a busy machine
    expect(p.locator('[data-testid="countdown"]').first).to_have_text(re.compile(r"\S"))
    assert fits_width(p)
    screenshot(p, "applicant-rounds")
    p.goto(p.base + f"/apply/rounds/{world.round.pk}/")
    assert p.locator('[data-testid="eligibility"]').get_attribute("data-eligible") == "yes"
    p.fill('input[name="title"]', "新芽长者陪伴计划")
    p.click('[data-testid="start"]')
    p.wait_for_url(re.compile(r"/edit/basic/$"))
    project = Project.objects.get(title="新芽长者陪伴计划")

    # --- sections (autosave on typing, and on every section change)
    p.select_option("#id_domain", "elderly")
    p.fill("#id_summary", "为独居长者提供陪伴探访")
    p.wait_for_function("document.getElementById('save-status').textContent.includes(':')")
    project.refresh_from_db()
    assert project.summary == "为独居长者提供陪伴探访" and project.domain == "elderly"
    assert fits_width(p)
    screenshot(p, "applicant-section-basic")
    p.click('a[data-section-link="need"]')
    p.wait_for_url(re.compile(r"/edit/need/$"))
    p.fill("#id_need_analysis", "辖区独居长者300人")
    p.fill("#id_target_group", "独居长者")
    p.fill("#id_beneficiaries", "150")
    _save_next(p)
    p.fill("#id_service_district", "鹿城区")
    p.fill("#id_service_street", "五马街道")
    _save_next(p)
    p.fill("#id_activity_plan", "每周探访两次")
    _fill_row(p, "#milestones + .rows, [data-rows='m_title']", 0,
              {"m_title": "启动", "m_due_date": "2026-10-01", "m_deliverable": "启动会"})
    _save_next(p)
    _fill_row(p, "#indicators", 0, {"i_name": "探访人次", "i_unit": "人次", "i_target": "1200"})
    _save_next(p)
    p.fill("#id_team", "社工3名")
    _save_next(p)

    # --- budget: over the labor cap, then fixed
    _fill_row(p, "#budget-lines", 0, {"b_category": "labor", "b_item": "社工劳务费", "b_unit_price": "5,000",
                                      "b_quantity": "12", "b_source": "grant"})
    p.click('[data-testid="add-budget-line"]')
    _fill_row(p, "#budget-lines", 1, {"b_category": "activity", "b_item": "探访物资", "b_unit_price": "400",
                                      "b_quantity": "100", "b_source": "grant"})
    gauge = p.locator('[data-testid="labor-gauge"]')
    assert gauge.get_attribute("data-over") == "1"
    assert p.inner_text('[data-testid="budget-total"]') == "100,000.00"
    p.wait_for_selector('[data-testid="budget-rule-problems"]:not([hidden])')
    assert "超过上限 50,000.00 元" in p.inner_text('[data-testid="budget-rule-problems"]')
    assert fits_width(p)
    screenshot(p, "applicant-budget-over-cap")
    _fill_row(p, "#budget-lines", 0, {"b_quantity": "10"})
    _fill_row(p, "#budget-lines", 1, {"b_unit_price": "500"})
    assert gauge.get_attribute("data-over") == "0"  # 50,000.00 of 100,000.00: exactly 50% passes
    _fill_row(p, "#budget-lines", 0, {"b_unit_price": "5000.01"})
    assert gauge.get_attribute("data-over") == "1"  # 50,000.10 > 50% of 100,000.10
    _fill_row(p, "#budget-lines", 0, {"b_unit_price": "5000"})
    assert gauge.get_attribute("data-over") == "0"
    screenshot(p, "applicant-budget-fixed")
    _save_next(p)
    project.refresh_from_db()
    assert str(project.requested_amount) == "100000.00"

    # --- attachments
    for kind in ("registration_certificate", "charter", "financial_report"):
        p.select_option("#id_kind", kind)
        p.set_input_files("#id_file", {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF})
        p.click('[data-testid="upload"]')
        p.wait_for_load_state("networkidle")
    assert p.locator('#checklist li[data-done="no"]').count() == 0
    assert fits_width(p)
    screenshot(p, "applicant-attachments")

    # --- submit
    p.click('[data-testid="to-submit"]')
    expect(p.locator('[data-testid="ready"]')).to_have_count(1)
    p.click('[data-testid="submit"]')
    p.wait_for_url(re.compile(rf"/apply/p/{project.pk}/$"))
    assert p.locator('[data-testid="state"]').get_attribute("data-state") == "submitted"
    assert p.locator('#timeline li[data-action="submit"]').count() == 1
    assert fits_width(p)
    screenshot(p, "applicant-status-submitted")

    # --- the officer returns it
    login(page, world.officer.username)
    page.goto(page.base + f"/projects/{project.pk}/")
    form = page.locator('form[data-action="return_for_revision"]')
    form.locator("textarea").fill("请补充需求调研数据")
    form.locator('input[name="confirm"]').check()
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="state"]').get_attribute("data-state") == "returned"
    assert Notification.objects.filter(recipient__username="xinya", project=project).exists()

    # --- revise and resubmit
    p.goto(p.base + f"/apply/p/{project.pk}/")
    assert "请补充需求调研数据" in p.inner_text('[data-testid="officer-comments"]')
    p.click('[data-testid="edit"]')
    p.click('a[data-section-link="need"]')
    p.fill("#id_need_analysis", "辖区独居长者300人，2025年入户调研86户")
    p.click('a[data-section-link="submit"]')
    p.wait_for_url(re.compile(r"/submit/$"))
    p.click('[data-testid="submit"]')
    p.wait_for_url(re.compile(rf"/apply/p/{project.pk}/$"))
    assert p.locator('[data-testid="state"]').get_attribute("data-state") == "submitted"
    screenshot(p, "applicant-status-resubmitted")

    # --- the officer sees what changed
    page.goto(page.base + f"/projects/{project.pk}/")
    page.click('[data-testid="changes-link"]')
    row = page.locator('[data-testid="field-changes"] tr[data-field="need_analysis"]')
    assert "入户调研86户" in row.inner_text()
    screenshot(page, "officer-changes")
    phone_width_ok = fits_width(p)
    assert phone_width_ok
