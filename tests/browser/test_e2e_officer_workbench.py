"""Issue 13's "done means", in one flow in Chromium: the officer copies last year's round, changes a rubric
weight, adds an extra question and publishes; an applicant answers the question and submits; the officer's
home queue and notifications show the submission; the officer checks eligibility and puts an expert on the
panel; the expert is told and finds the review on their home queue; a progress report is returned with a
comment, corrected by the applicant and accepted. Steps between (scoring, approval, 公示, signing, the first
payment, the first report) are built through the services. Screenshots at 1280 and 375 px."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from accounts.models import Notification, NotificationKind
from core.calendar import today
from grants.models import GrantRound, QuestionAnswer
from projects import services
from projects.models import Project, Report, ReportReview
from projects.states import State
from reviewers import services as review
from reviewers.models import Assignment
from tests.browser.conftest import fits_width, login, screenshot
from tests.builders import PDF, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "机构现有注册志愿者人数"
TITLE = "长者助餐与探访"


def _a_year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _shot(page, name: str) -> None:
    width = page.viewport_size["width"]
    if width <= 375:
        assert fits_width(page, width), name
    screenshot(page, f"e2e13-{name}-{width}")


def _receipt(name: str, tag: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF.replace(b"%%EOF", f"% {tag}\n%%EOF".encode()), content_type="application/pdf")


def test_officer_runs_a_round_from_the_workbench(page, phone):
    day = today()
    review_end = day + timedelta(days=7)
    world = World(name=f"{day.year - 1}年度公益创投", year=day.year - 1, code="LAST",
                  apply_start=day - timedelta(days=365 + 10), apply_end=day - timedelta(days=365 - 20),
                  review_end=_a_year_earlier(review_end))
    last = world.round

    # --- 1. The officer copies last year's round, changes a weight, adds a question and publishes.
    login(page, world.officer.username)
    page.goto(page.base + "/")
    page.goto(page.base + "/rounds/")
    page.click(f'[data-testid="copy-{last.pk}"]')
    expect(page.locator("#id_year")).to_have_value(str(day.year))
    page.fill("#id_code", "E2E")
    page.click('[data-testid="save"]')
    expect(page.locator('[data-testid="round-status"]')).to_have_text("草稿")
    new = GrantRound.objects.get(code="E2E")
    assert new.review_end == review_end  # the copy moved last year's dates on by a year

    page.click('[data-testid="edit-review"]')
    page.fill('[name="rubric-0-weight"]', "1.5")
    page.click('[data-testid="save"]')
    expect(page.locator('[data-testid="section-review"]')).to_contain_text("权重1.5")

    page.click('[data-testid="edit-questions"]')
    page.fill('[name="questions-0-label"]', QUESTION)
    page.select_option('[name="questions-0-kind"]', "number")
    page.check('[name="questions-0-required"]')
    page.click('[data-testid="save"]')
    expect(page.locator('[data-testid="section-questions"]')).to_contain_text(QUESTION)

    page.click('[data-testid="edit-basics"]')
    page.fill("#id_description", "围绕为老服务、助残服务等领域征集公益创投项目。")
    page.click('[data-testid="save"]')
    page.click('[data-testid="publish"]')
    expect(page.locator('[data-testid="round-status"]')).to_have_text("已发布")
    expect(page.locator('[data-testid="history"]')).to_contain_text("权重1.5")
    _shot(page, "round-published")
    new.refresh_from_db()
    assert Decimal(str(new.rubric[0]["weight"])) == Decimal("1.5")
    assert new.rubric[1:] == last.rubric[1:]  # only the first criterion changed
    page.goto(page.base + "/public/")
    expect(page.locator("body")).to_contain_text(new.name)
    page.context.clear_cookies()

    # --- 2. An applicant answers the new question and submits (the rest of the form is filled beforehand).
    world.round = new
    project = world.draft(title=TITLE)
    login(phone, world.member.username)
    phone.goto(phone.base + f"/apply/p/{project.pk}/submit/")
    expect(phone.locator("main")).to_contain_text(f"请回答附加问题「{QUESTION}」")  # not answered yet
    phone.goto(phone.base + f"/apply/p/{project.pk}/edit/basic/")
    phone.click('[data-section-link="questions"]')
    phone.get_by_label(f"{QUESTION} *").fill("20")
    _shot(phone, "applicant-question")
    phone.click('[data-testid="save-next"]')
    phone.wait_for_load_state("networkidle")
    phone.goto(phone.base + f"/apply/p/{project.pk}/submit/")
    phone.click('[data-testid="submit"]')
    expect(phone.locator('[data-testid="state"]')).to_have_attribute("data-state", "submitted")
    _shot(phone, "applicant-submitted")
    assert QuestionAnswer.objects.get(project=project).value == "20"
    phone.context.clear_cookies()

    # --- 3. The officer's home is the to-do list: the eligibility check waits, and the notification.
    login(page, world.officer.username)
    page.goto(page.base + "/")
    eligibility = page.locator('[data-queue="eligibility"]')
    expect(eligibility.locator('[data-testid="queue-count"]')).to_have_text("1")
    expect(eligibility).to_contain_text(TITLE)
    expect(page.locator("#home-notifications")).to_contain_text(f"新申报：《{TITLE}》")
    _shot(page, "officer-home-submission")
    login(phone, world.officer.username)
    phone.goto(phone.base + "/notifications/")
    told = phone.locator('[data-testid="notification"]', has_text=f"新申报：《{TITLE}》")
    expect(told).to_have_count(1)
    _shot(phone, "officer-notifications")
    assert Notification.objects.filter(recipient=world.officer, project=project,
                                       kind=NotificationKind.SUBMISSION).count() == 1

    # The officer follows the queue to the check, reads the answer, and accepts it, confirmed.
    eligibility.locator("a", has_text=TITLE).click()
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/$"))
    expect(page.locator("main")).to_contain_text(QUESTION)
    form = page.locator('form[data-action="accept_for_review"]')
    form.locator("textarea").fill("材料齐全，符合申报条件")
    form.locator('input[name="confirm"]').check()
    form.locator("button").click()
    expect(page.locator('[data-testid="state"]')).to_have_attribute("data-state", "under_review")

    # --- 4. The officer puts the expert on the panel; the expert is told and finds the review at home.
    page.goto(page.base + f"/review/rounds/{new.pk}/projects/{project.pk}/")
    page.select_option('[data-testid="add-expert"] select[name=expert]', str(world.expert.pk))
    page.click('[data-testid="add-expert"] button[type=submit]')
    expect(page.locator(f'[data-testid="panel-{world.expert.pk}"]')).to_be_visible()
    _shot(page, "officer-panel")
    page.context.clear_cookies()

    login(phone, world.expert.user.username)
    phone.goto(phone.base + "/")
    due = phone.locator('[data-queue="reviews_due"]')
    expect(due.locator('[data-testid="queue-count"]')).to_have_text("1")
    # the title only once conflicts are declared: the queue names the project by its code until then
    expect(due).to_contain_text(Project.objects.get(pk=project.pk).code)
    expect(due).to_contain_text(f"{review_end.isoformat()} 截止 · 请先声明利益冲突")
    expect(phone.locator("#home-notifications")).to_contain_text(f"您被分配评审项目《{TITLE}》")
    _shot(phone, "expert-home")
    phone.goto(phone.base + "/notifications/")
    assigned = phone.locator('[data-testid="notification"] a', has_text="您被分配评审项目")
    expect(assigned).to_have_count(1)
    assigned.click()
    expect(phone.locator("input[name=has_conflict]").first).to_be_visible()  # the declaration comes first
    login(page, world.expert.user.username)
    page.goto(page.base + "/")
    _shot(page, "expert-home")
    page.context.clear_cookies()
    phone.context.clear_cookies()

    # --- between: scored (with the new weight), approved, 公示, signed, first tranche paid; a report filed.
    assignment = Assignment.objects.get(project=project, expert=world.expert)
    review.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    review.submit_review(actor=world.expert.user, assignment_id=assignment.pk, scores={
        "need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"})
    assert Assignment.objects.get(pk=assignment.pk).total == 92  # 17 × 1.5 + 21.5 + 12 + 16 + 17
    login(page, world.officer.username)
    page.goto(page.base + f"/review/rounds/{new.pk}/ranking/")
    expect(page.locator(f"[data-testid=score-{project.pk}]")).to_contain_text("92.00")
    _shot(page, "officer-ranking")
    page.context.clear_cookies()
    project = world.advance(Project.objects.get(pk=project.pk), State.IN_PROGRESS)
    labor, activity = project.budget_lines.order_by("position", "id")
    report = services.submit_report(
        actor=world.member, project_id=project.pk, kind="progress", narrative="开展助餐服务120次",
        expenditures=[{"budget_line_id": labor.pk, "item": "社工劳务3月", "amount": "8000.00"},
                      {"budget_line_id": activity.pk, "item": "餐具采购", "amount": "1200.00"}],
        receipts=[(1, _receipt("劳务发票.pdf", "a")), (2, _receipt("餐具发票.pdf", "b"))])

    # --- 5. The officer finds the report on the queue, returns it with a comment.
    login(page, world.officer.username)
    page.goto(page.base + "/")
    reports = page.locator('[data-queue="reports"]')
    expect(reports.locator('[data-testid="queue-count"]')).to_have_text("1")
    expect(reports).to_contain_text(TITLE)
    expect(page.locator("#home-notifications")).to_contain_text(f"《{TITLE}》")
    expect(page.locator("#home-notifications")).to_contain_text("待审阅")
    reports.locator("a", has_text=TITLE).click()
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/$"))
    page.click('[data-testid="open-report"]')
    page.wait_for_url(re.compile(rf"/projects/reports/{report.pk}/$"))
    expect(page.locator('[data-testid="spending-by-line"]')).to_contain_text("餐具发票.pdf")
    page.fill("#id_comment", "餐具票据金额与支出不符，请更正")
    page.click('[data-testid="return-report"]')
    expect(page.locator('[data-testid="review-status"]')).to_have_attribute("data-status", "returned")
    _shot(page, "officer-report-returned")

    # The applicant reads the comment and resubmits a corrected report on a phone.
    login(phone, world.member.username)
    phone.goto(phone.base + "/notifications/")
    returned = phone.locator('[data-testid="notification"] a', has_text="报告被退回修改")
    expect(returned).to_have_count(1)
    returned.click()
    phone.wait_for_url(re.compile(rf"/apply/p/{project.pk}/reports/"))
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
    _shot(phone, "applicant-report-resubmit")
    phone.click('[data-testid="submit-report"]')
    expect(phone.locator('[data-testid="report"]')).to_have_count(2)
    corrected = Report.objects.get(resubmission_of=report)
    assert sorted(corrected.expenditures.values_list("amount", flat=True)) == [1100, 8000]

    # The officer is told of the corrected report, opens it (linked to the returned one) and accepts it.
    page.goto(page.base + "/notifications/")
    expect(page.locator('[data-testid="notification"]', has_text="待审阅")).to_have_count(2)  # first + corrected
    page.goto(page.base + f"/projects/{project.pk}/")
    page.click(f'[data-testid="open-report"][href$="/reports/{corrected.pk}/"]')
    page.wait_for_url(re.compile(rf"/projects/reports/{corrected.pk}/$"))
    expect(page.locator('[data-testid="resubmission-of"]')).to_contain_text("餐具票据金额与支出不符")
    page.click('[data-testid="accept-report"]')
    expect(page.locator('[data-testid="review-status"]')).to_have_attribute("data-status", "accepted")
    _shot(page, "officer-report-accepted")
    assert Report.objects.get(pk=corrected.pk).review_status == ReportReview.ACCEPTED
    assert Report.objects.get(pk=report.pk).review_status == ReportReview.RETURNED
    login(phone, world.officer.username)
    phone.goto(phone.base + f"/projects/reports/{corrected.pk}/")
    expect(phone.locator('[data-testid="review-status"]')).to_have_attribute("data-status", "accepted")
    _shot(phone, "officer-report-accepted")
