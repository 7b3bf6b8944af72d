"""An evaluator scores a final evaluation in Chromium: the project completes, the last tranche becomes
releasable, and the public page shows the grade (on a phone, too)."""
import pytest

from finance.models import TrancheState
from projects.states import State
from tests.browser.conftest import fits_width, login, screenshot
from tests.monitoring.conftest import FINAL_EXCELLENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_evaluator_scores_final_evaluation_and_public_sees_grade(page, phone, world):
    project = world.advance(world.draft(title="长者互助食堂"), State.FINAL_REVIEW)
    login(page, world.evaluator.username)

    page.goto(page.base + "/monitoring/evaluations/")
    page.locator(f'[data-testid="final-queue"] tr[data-project="{project.pk}"] a').click()
    page.wait_for_load_state("networkidle")
    form = page.locator('[data-testid="score-form"]')
    for code, value in FINAL_EXCELLENT.items():
        form.locator(f"#id_score_{code}").fill(value)
    form.locator("#id_comment").fill("服务成效显著，台账规范")
    screenshot(page, "monitoring-final-evaluation-form")
    page.click('[data-testid="submit-evaluation"]')
    page.wait_for_load_state("networkidle")

    assert page.locator('[data-testid="state"]').get_attribute("data-state") == State.COMPLETED
    assert page.locator('[data-testid="grade"]').inner_text() == "优秀"
    assert page.locator('[data-testid="tranches"] tr[data-tranche="3"]').get_attribute("data-state") == "releasable"
    screenshot(page, "monitoring-final-evaluation-done")
    project.refresh_from_db()
    assert project.state == State.COMPLETED and project.grade == "优秀"
    assert project.tranches.get(seq=3).state == TrancheState.RELEASABLE
    report = page.request.get(page.base + f"/monitoring/projects/{project.pk}/evaluation-report.pdf")
    assert report.ok and report.headers["content-type"] == "application/pdf"


    phone.goto(phone.base + f"/public/rounds/{world.round.pk}/")
    row = phone.locator(f'[data-testid="funded"] tr[data-code="{project.code}"]')
    assert row.locator('[data-testid="grade"]').inner_text() == "优秀"
    assert world.org.bank_account_no not in phone.content()
    assert fits_width(phone)
    screenshot(phone, "public-round-with-grade-phone")
