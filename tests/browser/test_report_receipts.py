"""Receipts chosen on each spending row stay with that row when rows are added and removed — in Chromium."""
import pytest

from projects.models import Report
from projects.states import State
from tests.browser.conftest import fits_width, login, screenshot
from tests.builders import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _row(page, index: int):
    return page.locator('[data-rows="e_line"] > .row').nth(index)


def _fill(page, index: int, line_pk: int, item: str, amount: str, files: list[tuple[str, str, bytes]]) -> None:
    row = _row(page, index)
    row.locator('[name="e_line"]').select_option(str(line_pk))
    row.locator('[name="e_item"]').fill(item)
    row.locator('[name="e_amount"]').fill(amount)
    row.locator("input[data-receipts]").set_input_files(
        [{"name": name, "mimeType": mime, "buffer": data} for name, mime, data in files])


def test_receipts_follow_their_rows_after_a_row_is_removed(phone, world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    labor, activity = project.budget_lines.order_by("position")
    login(phone, world.member.username)
    phone.goto(phone.base + f"/apply/p/{project.pk}/reports/")
    phone.fill("#id_narrative", "本期开展活动12场")
    phone.click("[data-add-row]")
    phone.click("[data-add-row]")
    _fill(phone, 0, labor.pk, "社工劳务费", "3000.00", [("劳务发票.pdf", "application/pdf", PDF + b"%1")])
    _fill(phone, 1, activity.pk, "作废的一行", "1.00", [("作废.pdf", "application/pdf", PDF + b"%2")])
    _fill(phone, 2, activity.pk, "活动物资", "800.00", [("物资小票.png", "image/png", PNG),
                                                     ("物资发票.pdf", "application/pdf", PDF + b"%3")])
    _row(phone, 1).locator("[data-remove-row]").click()
    assert fits_width(phone)
    phone.click('[data-testid="submit-report"]')
    phone.wait_for_load_state("networkidle")
    report = Report.objects.get(project=project)
    receipts = {e.item: sorted(r.original_name for r in e.receipts.all()) for e in report.expenditures.all()}
    assert receipts == {"社工劳务费": ["劳务发票.pdf"], "活动物资": ["物资发票.pdf", "物资小票.png"]}
    cells = phone.locator('[data-testid="spending-receipts"]').all_inner_texts()
    assert any("劳务发票.pdf" in c for c in cells) and any("物资小票.png" in c for c in cells)
    screenshot(phone, "applicant-report-receipts")
