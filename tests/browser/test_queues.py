"""Issue 13 in Chromium: the officer's home queue and notifications show a new submission; the officer
puts an expert on the panel; the expert is notified and finds the review, with its deadline, on
their own home queue. Screenshots at 1280 and 375 px."""
from datetime import timedelta

import pytest

from core.calendar import today
from projects import services
from tests.browser.conftest import fits_width, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_submission_and_assignment_reach_the_queues(page, phone, world):
    world.round.review_end = today() + timedelta(days=7)
    world.round.save()
    project = world.draft(title="长者助餐与探访")

    # The applicant submits.
    login(phone, world.member.username)
    phone.goto(phone.base + f"/apply/p/{project.pk}/submit/")
    phone.click('[data-testid="submit"]')
    phone.wait_for_selector('[data-testid="state"][data-state="submitted"]')
    phone.context.clear_cookies()

    # The officer lands on the to-do list: one eligibility check, and the notification.
    login(page, world.officer.username)
    page.goto(page.base + "/")
    item = page.locator('[data-queue="eligibility"]')
    assert item.locator('[data-testid="queue-count"]').inner_text() == "1"
    assert "长者助餐与探访" in item.inner_text()
    assert "新申报" in page.locator("#home-notifications").inner_text()
    assert page.locator('[data-testid="nav-notifications"] .badge').inner_text() == "1"
    screenshot(page, "queue-officer-1280")
    item.locator("a", has_text="长者助餐与探访").click()
    page.wait_for_url(f"**/projects/{project.pk}/")

    # Eligible; the officer puts the expert on the panel through the panel page.
    services.accept_for_review(actor=world.officer, project_id=project.pk)
    page.goto(page.base + f"/review/rounds/{world.round.pk}/projects/{project.pk}/")
    page.select_option('[data-testid="add-expert"] select[name=expert]', str(world.expert.pk))
    page.click('[data-testid="add-expert"] button[type=submit]')
    page.wait_for_selector(f'[data-testid="panel-{world.expert.pk}"]')
    # The review window is on the round's page; extending it is audited and shown there.
    page.goto(page.base + f"/review/rounds/{world.round.pk}/")
    page.click('[data-testid="review-window-link"]')
    later = world.round.review_end + timedelta(days=3)
    page.fill("#id_new_end", later.isoformat())
    page.fill("#id_reason", "专家集中培训，顺延三天")
    page.click("#extend-window button[type=submit]")
    page.wait_for_selector("#window-history li:has-text('顺延三天')")
    assert page.locator('[data-testid="review-end"]').inner_text() == later.isoformat()
    screenshot(page, "review-window-1280")
    world.round.refresh_from_db()
    page.context.clear_cookies()

    # The expert is told, and the review waits on their home queue with its deadline.
    login(phone, world.expert.user.username)
    phone.goto(phone.base + "/")
    reviews = phone.locator('[data-queue="reviews_due"]')
    assert reviews.locator('[data-testid="queue-count"]').inner_text() == "1"
    project.refresh_from_db()
    assert project.code in reviews.inner_text()  # the title only once conflicts are declared, as on 我的评审
    assert world.round.review_end.isoformat() in reviews.inner_text()  # the extended deadline
    told = phone.locator("#home-notifications").inner_text()
    assert "您被分配评审项目《长者助餐与探访》" in told and "评审期已延长" in told
    assert fits_width(phone)
    screenshot(phone, "queue-expert-375")
    phone.goto(phone.base + "/notifications/")
    assert phone.locator('[data-testid="notification"]').count() == 2
    assert fits_width(phone)
    reviews_link = phone.locator('[data-testid="notification"] a', has_text="您被分配评审项目")
    reviews_link.click()
    phone.wait_for_selector("input[name=has_conflict]")  # the declaration before the proposal

    login(page, world.expert.user.username)
    page.goto(page.base + "/")
    screenshot(page, "queue-expert-1280")
    page.context.clear_cookies()
    login(phone, world.officer.username)
    phone.goto(phone.base + "/")
    assert fits_width(phone)
    screenshot(phone, "queue-officer-375")

    # The project list sorts by a column header and keeps the filter.
    login(page, world.officer.username)
    page.goto(page.base + "/projects/?state=under_review")
    page.click('#officer-projects th a:has-text("状态")')
    page.wait_for_url("**sort=state**")
    assert "state=under_review" in page.url
    assert page.locator('[data-testid="officer-row"]').count() == 1
    screenshot(page, "list-projects-1280")
    phone.goto(phone.base + "/projects/?sort=-requested")
    assert fits_width(phone)
    screenshot(phone, "list-projects-375")
    phone.goto(phone.base + "/review/experts/?sort=-name")
    assert phone.locator('[data-testid="experts"] th[aria-sort="descending"]').count() == 1
    assert fits_width(phone)
    screenshot(phone, "list-experts-375")
