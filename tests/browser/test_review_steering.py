"""Issue 14 in Chromium: the stale second tab, and a walk as expert and officer through a blind round
(declaration on the applicant list, review page with its files, conflicts, assignment with progress,
progress board) at 1280 and 375 px."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects import services as project_services
from projects.states import State
from reviewers import services
from reviewers.models import Assignment, AssignmentState, ConflictSuggestion, ReviewReminder
from tests.browser.conftest import fits_width, login, screenshot
from tests.factories import ExpertFactory
from tests.reviewers.pdfs import pdf_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "温州市鹿城区阳光社会工作服务中心"


def _fill(page, values: dict) -> None:
    for code, value in values.items():
        page.fill(f"[data-testid=score-{code}]", value)
    page.fill("textarea[name=comment]", "方案可行")


def test_a_stale_second_tab_cannot_change_a_submitted_review(page, world):
    world.round.experts_per_project = 1
    world.round.save()
    org, member = world.new_org()
    project = world.advance(world.draft(org, member), State.UNDER_REVIEW)
    assignment = services.assign_expert(actor=world.officer, project=project, expert=world.expert)
    services.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    login(page, world.expert.user.username)
    url = page.base + f"/review/mine/{assignment.pk}/"
    second = page.context.new_page()
    page.goto(url)
    second.goto(url)
    _fill(page, {"need": "18", "design": "22", "team": "12", "budget": "16", "impact": "17"})  # 85
    page.click("[data-testid=submit-review]")
    page.wait_for_selector("[data-testid=locked-need]")
    _fill(second, {"need": "10", "design": "10", "team": "10", "budget": "10", "impact": "10"})  # 50, stale tab
    second.click("[data-testid=submit-review]")
    second.wait_for_selector("[data-testid=stale]")
    assert "已提交的评分不能修改" in second.locator("[data-testid=problems]").inner_text()
    assert second.locator("[data-testid=total]").inner_text() == "85.00"
    assert second.locator("[data-testid=locked-need]").inner_text() == "18"
    assert second.locator("[data-testid=submit-review]").count() == 0
    screenshot(second, "review-stale-tab")
    stored = Assignment.objects.get(pk=assignment.pk)
    assert stored.state == AssignmentState.SUBMITTED and str(stored.total) == "85.00"


def test_walk_a_blind_round_as_expert_and_officer(page, phone, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world.round.blind_review = True
    world.round.experts_per_project = 2
    world.round.require_finance_expert = False
    world.round.save()
    org, member = world.new_org(name=NAME, bank_account_name=NAME)
    project = world.draft(org, member, title="长者助餐计划")
    project_services.update_project(actor=member, project_id=project.pk, summary=f"{NAME}长期服务高龄老人。")
    project_services.add_attachment(actor=member, project_id=project.pk, kind="other", uploaded_file=SimpleUploadedFile(
        f"{NAME}-申报书.pdf", pdf_with(title=NAME, author=NAME, body="项目方案"), "application/pdf"))
    project = world.advance(project, State.UNDER_REVIEW)
    other_org, other_member = world.new_org()
    other = world.advance(world.draft(other_org, other_member, title="青少年成长营"), State.UNDER_REVIEW)
    colleague = ExpertFactory(employer=other_org.name)  # works for the other applicant: a suggestion
    ExpertFactory()
    ExpertFactory()

    # The expert declares on the named list before any assignment (phone).
    login(phone, world.expert.user.username)
    phone.goto(phone.base + "/review/mine/")
    phone.click(f"[data-testid=declare-round-{world.round.pk}]")
    phone.wait_for_selector("[data-testid=round-conflict-form]")
    assert NAME in phone.content() and other_org.name in phone.content()
    assert fits_width(phone)
    screenshot(phone, "expert-round-conflicts-phone")
    phone.check(f"input[name=organizations][value='{other_org.pk}']")
    phone.fill("input[name=note]", "曾在该机构兼职")
    phone.check("input[name=checked]")
    phone.click("[data-testid=submit-declaration]")
    phone.wait_for_url("**/review/mine/")

    # The officer looks for conflicts, confirms one, assigns automatically and watches the run.
    login(page, world.officer.username)
    page.goto(page.base + f"/review/rounds/{world.round.pk}/conflicts/")
    page.click("[data-testid=detect] button")
    page.wait_for_load_state("networkidle")
    suggestion = ConflictSuggestion.objects.get(expert=colleague, organization=other_org)
    page.click(f"[data-testid=confirm-{suggestion.pk}]")
    page.wait_for_selector(f"[data-testid=suggestion-{suggestion.pk}][data-state=confirmed]")
    screenshot(page, "officer-conflicts")
    page.goto(page.base + f"/review/rounds/{world.round.pk}/")
    page.fill("input[name=seed]", "7")
    page.click("[data-testid=auto-assign] button")
    page.wait_for_selector("[data-testid=run-job]")
    progress = page.locator("[data-testid=run-progress]").first
    assert (progress.get_attribute("data-done"), progress.get_attribute("data-total")) == ("2", "2")
    screenshot(page, "officer-round")
    page.click("[data-testid=run-job]")
    page.wait_for_selector("[data-testid=job-state][data-state=done]")
    assert page.locator("[data-testid=job-count]").inner_text() == "2 / 2"
    # The run's job ends with the panels; its result workbook is the next step, a job of its own.
    page.click("[data-testid=run-result]")
    page.wait_for_selector("[data-testid=job-download]", state="visible")
    with page.expect_download() as download:
        page.click("[data-testid=job-download]")
    assert download.value.suggested_filename.endswith("专家自动分配结果.xlsx")
    assert not Assignment.objects.filter(expert=world.expert, project=other).exists()
    assert not Assignment.objects.filter(expert=colleague, project=other).exists()
    mine = Assignment.objects.get(expert=world.expert, project=project)

    # The officer's progress board at both widths, and a reminder.
    page.goto(page.base + f"/review/rounds/{world.round.pk}/progress/")
    page.click(f"[data-testid=remind-{world.expert.pk}]")
    page.wait_for_selector(f"[data-testid=reminders-{world.expert.pk}]")
    assert page.locator(f"[data-testid=reminders-{world.expert.pk}]").inner_text().startswith("1")
    assert ReviewReminder.objects.filter(expert=world.expert).count() == 1
    screenshot(page, "officer-progress")
    officer_phone = phone.context.browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN",
                                                       is_mobile=True, bypass_csp=True).new_page()
    officer_phone.base = phone.base
    login(officer_phone, world.officer.username)
    officer_phone.goto(officer_phone.base + f"/review/rounds/{world.round.pk}/progress/")
    assert fits_width(officer_phone)
    screenshot(officer_phone, "officer-progress-phone")
    officer_phone.goto(officer_phone.base + f"/review/rounds/{world.round.pk}/")
    assert fits_width(officer_phone)
    screenshot(officer_phone, "officer-round-phone")
    officer_phone.context.close()

    # The expert reads the blind proposal and its file on the phone, then on a wide screen.
    phone.goto(phone.base + f"/review/mine/{mine.pk}/")
    phone.check("input[name=has_conflict][value=no]")
    phone.click("[data-testid=declare]")
    phone.wait_for_selector("[data-testid=proposal]")
    assert NAME not in phone.content() and "＊＊机构长期服务高龄老人" in phone.content()
    link = phone.locator("[data-testid=review-file-1]")
    assert link.inner_text() == "附件1-申报材料.pdf"
    response = phone.request.get(phone.base + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-disposition"].startswith("inline")
    assert NAME.encode() not in response.body()
    assert fits_width(phone)
    screenshot(phone, "expert-review-blind-phone")
    login(page, world.expert.user.username)
    page.goto(page.base + f"/review/mine/{mine.pk}/")
    assert NAME not in page.content()
    screenshot(page, "expert-review-blind")
    # Opened from the page, the PDF is shown by the browser, not saved as a download.
    response = page.goto(page.base + page.locator("[data-testid=review-file-1]").get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
