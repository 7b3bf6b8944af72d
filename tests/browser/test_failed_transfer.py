"""A transfer the bank returns (账户已冻结), followed through: finance records it, the organization sees
it and asks for a corrected account, finance approves the change, and a new batch pays the tranche."""
import pytest

from finance.models import Batch, BatchState, TrancheState
from tests.browser.conftest import fits_width, login, screenshot
from tests.finance.conftest import approved_batch, officers, signed  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_ACCOUNT_NO = "6228480000000000017"


def logout(page):
    page.click("form[action='/logout/'] button")
    page.wait_for_load_state("networkidle")


def submit(page, selector: str) -> None:
    page.click(selector)
    page.wait_for_load_state("networkidle")


def test_failed_transfer_to_corrected_account_to_repayment(page, phone, world, officers):
    preparer, checker, approver = officers
    paid_project = signed(world, "40000.00", title="甲项目")
    project = signed(world, "65000.00", title="乙项目")
    batch = approved_batch(world, officers)
    ok, returned = paid_project.tranches.get(seq=1), project.tranches.get(seq=1)

    # The bank pays one transfer and returns the other.
    login(page, checker.username)
    page.goto(page.base + f"/finance/batches/{batch.pk}/")
    row = page.locator(f"[data-testid=tranche-{ok.pk}]")
    row.locator("input[name=bank_reference]").fill("HX0001")
    row.locator("[data-testid=pay-form] button").click()
    page.wait_for_load_state("networkidle")
    row = page.locator(f"[data-testid=tranche-{returned.pk}]")
    row.locator("input[name=reason]").fill("账户已冻结")
    row.locator("[data-testid=fail-form] button").click()
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("[data-testid=batch-state]", "data-state") == BatchState.CLOSED
    assert page.inner_text("[data-testid=batch-count]") == "2"
    assert page.inner_text("[data-testid=batch-total]") == "42,000.00"
    assert page.inner_text("[data-testid=batch-paid]") == "16,000.00"
    assert page.inner_text("[data-testid=batch-failed]") == "26,000.00"
    assert page.inner_text(f"[data-testid=tranche-{returned.pk}] [data-testid=failure]") == "账户已冻结"
    screenshot(page, "failed-transfer-batch")
    logout(page)

    # The organization sees what happened and asks for a corrected account.
    member = world.member_for(project)
    login(page, member.username)
    page.goto(page.base + f"/apply/p/{project.pk}/")
    problem = page.inner_text("[data-testid=payment-problems]")  # 首期拨付失败（账户已冻结），请更新收款账户
    assert "首期" in problem and "账户已冻结" in problem
    screenshot(page, "failed-transfer-applicant-project")
    login(phone, member.username)
    phone.goto(phone.base + f"/apply/p/{project.pk}/")
    assert fits_width(phone)
    screenshot(phone, "failed-transfer-applicant-project-phone")
    submit(page, "[data-testid=payment-problems] [data-testid=bank-details-link]")
    assert "账户已冻结" in page.inner_text("[data-testid=returned-transfers]")
    page.fill("#id_bank_name", "中国农业银行温州鹿城支行")
    page.fill("#id_bank_account_no", NEW_ACCOUNT_NO)
    page.fill("#id_bank_code", "103333000017")
    page.fill("#id_reason", "原账户被司法冻结，改用基本户")
    submit(page, "[data-testid=request-change]")
    assert NEW_ACCOUNT_NO in page.inner_text("[data-testid=pending-change]")
    screenshot(page, "failed-transfer-bank-details")
    phone.goto(phone.base + "/apply/organization/bank-account/")
    assert fits_width(phone)
    screenshot(phone, "failed-transfer-bank-details-phone")
    logout(page)

    # Finance checks the request, before beside after, and approves it.
    login(page, preparer.username)
    page.goto(page.base + "/finance/bank-changes/")
    submit(page, "[data-testid=bank-changes] a")
    assert NEW_ACCOUNT_NO in page.inner_text("[data-testid=before-after]")
    assert "账户已冻结" in page.inner_text("[data-testid=returned-transfers]")
    screenshot(page, "failed-transfer-bank-change")
    page.fill("#id_approve_comment", "已核对开户许可证")
    submit(page, "[data-testid=approve-change]")
    assert page.inner_text("[data-testid=change-state]") == "已批准"
    assert project.organization.__class__.objects.get(pk=project.organization_id).bank_account_no == NEW_ACCOUNT_NO

    # A new batch: the returned tranche is releasable again; the page shows the earlier failure.
    page.goto(page.base + "/finance/batches/new/")
    assert page.inner_text("[data-testid=count]") == "1"
    submit(page, "[data-testid=create-batch]")
    second = Batch.objects.exclude(pk=batch.pk).get()
    assert "账户已冻结" in page.inner_text("[data-testid=earlier-failures]")
    page.fill("#id_submit_comment", "退汇重拨，账户已变更")
    submit(page, "[data-testid=submit]")
    logout(page)
    login(page, checker.username)
    page.goto(page.base + f"/finance/batches/{second.pk}/")
    submit(page, "[data-testid=check]")
    logout(page)
    login(page, approver.username)
    page.goto(page.base + f"/finance/batches/{second.pk}/")
    page.fill("[data-testid=approve-form] input[name=password]", "pass-12345")
    page.fill("[data-testid=approve-form] textarea[name=comment]", "同意重拨")
    submit(page, "[data-testid=approve]")
    assert page.get_attribute("[data-testid=batch-state]", "data-state") == BatchState.APPROVED
    assert NEW_ACCOUNT_NO in page.inner_text(f"[data-testid=tranche-{returned.pk}]")
    row = page.locator(f"[data-testid=tranche-{returned.pk}]")
    row.locator("input[name=bank_reference]").fill("HX0002")
    row.locator("[data-testid=pay-form] button").click()
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("[data-testid=batch-state]", "data-state") == BatchState.CLOSED
    assert returned.__class__.objects.get(pk=returned.pk).state == TrancheState.PAID
    screenshot(page, "failed-transfer-repaid")
    login(phone, approver.username)
    for url in (f"/finance/batches/{second.pk}/", f"/finance/batches/{batch.pk}/", "/finance/batches/"):
        phone.goto(phone.base + url)
        assert fits_width(phone), url
    screenshot(phone, "failed-transfer-repaid-phone")
    phone.goto(phone.base + f"/finance/batches/{batch.pk}/")
    screenshot(phone, "failed-transfer-batch-phone")
