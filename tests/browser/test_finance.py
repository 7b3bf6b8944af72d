"""Three finance officers take a batch through 经办 → 审核 → 审批, export the 拨付清单 and record payments."""
import io
from decimal import Decimal

import openpyxl
import pytest

from finance.models import Batch, BatchState, Payment, TrancheState
from tests.browser.conftest import fits_width, login, screenshot
from tests.finance.conftest import officers, signed  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.click("form[action='/logout/'] button")
    page.wait_for_load_state("networkidle")


def test_batch_through_three_signoffs_export_and_payments(page, phone, world, officers):
    preparer, checker, approver = officers
    first = signed(world, "10000.00")
    second = signed(world, "15010.50", service_district="瓯海区")

    # 经办: build the batch from every releasable tranche of the round.
    login(page, preparer.username)
    page.goto(page.base + "/finance/batches/new/")
    assert page.inner_text("[data-testid=count]") == "2"
    assert page.inner_text("[data-testid=total]") == "10,004.20"
    screenshot(page, "finance-batch-new")
    page.click("[data-testid=create-batch]")
    page.wait_for_load_state("networkidle")
    batch = Batch.objects.get()
    assert page.url.endswith(f"/finance/batches/{batch.pk}/")
    assert page.inner_text("[data-testid=batch-count]") == "2"
    assert page.locator("[data-testid=check]").count() == 0  # the 经办 cannot check their own batch
    page.click("[data-testid=submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("[data-testid=batch-state]", "data-state") == BatchState.SUBMITTED
    logout(page)

    # 审核 by a second officer, 审批 by a third.
    for user, button, state in ((checker, "check", BatchState.CHECKED), (approver, "approve", BatchState.APPROVED)):
        login(page, user.username)
        page.goto(page.base + f"/finance/batches/{batch.pk}/")
        if button == "approve":  # the approver confirms with their password
            page.fill("[data-testid=approve-form] input[name=password]", "pass-12345")
        page.click(f"[data-testid={button}]")
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("[data-testid=batch-state]", "data-state") == state
        logout(page)
    assert page.locator("[data-testid=approve]").count() == 0

    # The 经办 exports the list; the test opens the xlsx and checks it cell by cell.
    login(page, preparer.username)
    page.goto(page.base + f"/finance/batches/{batch.pk}/")
    assert page.inner_text("[data-testid=checked-by]") == str(checker)
    assert page.inner_text("[data-testid=approved-by]") == str(approver)
    with page.expect_download() as download:
        page.click("[data-testid=export-list]")
    with open(download.value.path(), "rb") as f:
        ws = openpyxl.load_workbook(io.BytesIO(f.read())).active
    assert ws["A1"].value.endswith("资助资金拨付清单") and ws["A2"].value.startswith(f"批次号：{batch.number}")
    rows = [list(row) for row in ws.iter_rows(min_row=3, max_row=6)]
    assert len(rows) == 4
    assert [c.value for c in rows[0]][:3] == ["序号", "批次号", "项目编号"]
    expected = sorted([(first, "4000.00", "肆仟元整"), (second, "6004.20", "陆仟零肆元贰角")], key=lambda e: e[0].code)
    for row, (project, amount, upper) in zip(rows[1:3], expected, strict=True):
        org = project.organization
        values = [c.value for c in row]
        assert values[:11] == [rows.index(row), batch.number, project.code, project.title, org.name, org.credit_code,
                               org.bank_account_name, org.bank_name, org.bank_account_no, org.bank_code, "首期"]
        assert values[11] == "40.00%"
        assert Decimal(str(values[12])) == Decimal(amount) and row[12].number_format == "0.00"
        assert values[13] == upper
        assert row[8].data_type == "s"
        assert Decimal(str(values[15])) == project.approved_amount - Decimal(amount)
    assert [c.value for c in rows[3]][:3] == ["合计", "笔数", 2]
    assert Decimal(str(rows[3][12].value)) == Decimal("10004.20")
    assert rows[3][13].value == "壹万零肆元贰角"

    # Payments: one by hand, one from the bank's result file (a failed transfer: test_failed_transfer.py).
    tranches = {t.project_id: t for t in batch.tranches.all()}
    one, two = tranches[first.pk], tranches[second.pk]
    row = page.locator(f"[data-testid=tranche-{one.pk}]")
    row.locator("input[name=bank_reference]").fill("HX0001")
    row.locator("[data-testid=pay-form] button").click()
    page.wait_for_load_state("networkidle")
    account = second.organization.bank_account_no
    result = f"reference,account,amount,status,reason\n{two.reference},{account},6004.20,成功,\n".encode()
    page.set_input_files("[data-testid=results-form] input[type=file]",
                         files=[{"name": "result.csv", "mimeType": "text/csv", "buffer": result}])
    page.click("[data-testid=results-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("[data-testid=batch-state]", "data-state") == BatchState.CLOSED
    assert set(Payment.objects.values_list("bank_reference", flat=True)) == {"HX0001", two.reference}
    assert {t.state for t in batch.tranches.all()} == {TrancheState.PAID}
    screenshot(page, "finance-batch-paid")

    page.goto(page.base + f"/finance/?round={world.round.pk}")
    assert page.inner_text("[data-testid=paid]") == "10,004.20"
    assert page.get_attribute("[data-testid=reconciliation]", "class") == "badge ok"
    screenshot(page, "finance-overview")
    login(phone, checker.username)
    for url in (f"/finance/?round={world.round.pk}", f"/finance/batches/{batch.pk}/"):
        phone.goto(phone.base + url)
        assert fits_width(phone), url
    screenshot(phone, "finance-batch-phone")
