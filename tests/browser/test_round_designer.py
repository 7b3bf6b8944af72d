"""The officer copies last year's round, changes a rubric weight, adds an extra question and publishes;
an applicant answers the question and submits — in Chromium (issue 13). Screenshots at 1280 and 375 px."""
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grants.models import GrantRound, QuestionAnswer
from projects.models import Project
from projects.states import State
from tests.browser.conftest import fits_width, login, screenshot
from tests.builders import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_copies_last_years_round_and_an_applicant_answers_its_new_question(page, phone, db):
    today = timezone.localdate()
    world = World(name=f"{today.year - 1}年度公益创投", year=today.year - 1, code="LAST",
                  apply_start=today - timedelta(days=365 + 10), apply_end=today - timedelta(days=365 - 20))
    last = world.round

    # --- the officer copies last year's round
    login(page, world.officer.username)
    page.goto(page.base + "/rounds/")
    page.click(f'[data-testid="copy-{last.pk}"]')
    expect(page.locator("#id_year")).to_have_value(str(today.year))
    page.fill("#id_code", "NEW")
    page.click('[data-testid="save"]')
    expect(page.locator('[data-testid="round-status"]')).to_have_text("草稿")
    new = GrantRound.objects.get(code="NEW")
    assert new.apply_start <= today <= new.apply_end

    # --- changes the weight of the first criterion
    page.click('[data-testid="edit-review"]')
    page.fill('[name="rubric-0-weight"]', "1.5")
    screenshot(page, "round-designer-review-1280")
    page.click('[data-testid="save"]')
    expect(page.locator('[data-testid="section-review"]')).to_contain_text("需求分析 满分20 权重1.5")

    # --- the tranche sum is checked as the officer types
    page.click('[data-testid="edit-tranches"]')
    page.fill('[name="tranches-0-percent"]', "50")
    expect(page.locator('[data-testid="percent-sum"]')).to_contain_text("110.00%")
    expect(page.locator('[data-testid="percent-sum"]')).to_have_class("sum bad")
    page.fill('[name="tranches-1-percent"]', "30")
    expect(page.locator('[data-testid="percent-sum"]')).to_have_class("sum ok")
    page.goto(page.base + f"/rounds/{new.pk}/")

    # --- adds an extra question
    page.click('[data-testid="edit-questions"]')
    page.fill('[name="questions-0-label"]', "机构现有注册志愿者人数")
    page.select_option('[name="questions-0-kind"]', "number")
    page.check('[name="questions-0-required"]')
    page.click('[data-testid="save"]')
    expect(page.locator('[data-testid="section-questions"]')).to_contain_text("机构现有注册志愿者人数")
    page.click('[data-testid="preview"]')
    expect(page.locator('[data-testid="questions-form"]')).to_contain_text("机构现有注册志愿者人数 *")
    page.go_back()

    # --- publishing needs the call's text: refused with the reason, then written and published
    page.click('[data-testid="publish"]')
    expect(page.locator(".messages")).to_contain_text("请先填写征集公告正文")
    page.click('[data-testid="edit-basics"]')
    page.fill("#id_description", "围绕为老服务、助残服务等领域征集公益创投项目。")
    page.click('[data-testid="save"]')
    page.click('[data-testid="publish"]')
    expect(page.locator('[data-testid="round-status"]')).to_have_text("已发布")
    expect(page.locator('[data-testid="history"]')).to_contain_text("权重1.5")
    screenshot(page, "round-designer-detail-1280")
    page.goto(page.base + "/public/")
    expect(page.locator("body")).to_contain_text(new.name)

    # --- the officer's pages at 375 px
    login(phone, world.officer.username)
    phone.goto(phone.base + f"/rounds/{new.pk}/")
    assert fits_width(phone)
    screenshot(phone, "round-designer-detail-375")
    phone.goto(phone.base + f"/rounds/{new.pk}/edit/review/")
    assert fits_width(phone)
    screenshot(phone, "round-designer-review-375")
    phone.goto(phone.base + f"/rounds/{new.pk}/edit/tranches/")
    assert fits_width(phone)
    screenshot(phone, "round-designer-tranches-375")
    for section in ("scope", "budget"):
        phone.goto(phone.base + f"/rounds/{new.pk}/edit/{section}/")
        assert fits_width(phone), section
        screenshot(phone, f"round-designer-{section}-375")
    phone.goto(phone.base + f"/organizations/{world.org.pk}/")
    assert fits_width(phone)
    screenshot(phone, "organization-register-375")
    phone.context.clear_cookies()

    # --- an applicant answers the question and submits
    world.round = GrantRound.objects.get(pk=new.pk)
    project = world.draft()
    login(phone, world.member.username)
    phone.goto(phone.base + f"/apply/p/{project.pk}/edit/basic/")
    phone.click('[data-section-link="questions"]')
    field = phone.get_by_label("机构现有注册志愿者人数 *")
    field.fill("二十")
    phone.click('[data-testid="save"]')
    expect(phone.locator('[data-testid="unsaved"]')).to_contain_text("须填写数字")
    phone.get_by_label("机构现有注册志愿者人数 *").fill("20")
    screenshot(phone, "applicant-extra-questions-375")
    phone.click('[data-testid="save-next"]')
    phone.goto(phone.base + f"/apply/p/{project.pk}/submit/")
    phone.click('[data-testid="submit"]')
    expect(phone.locator('[data-testid="state"]')).to_have_text("已提交")
    assert Project.objects.get(pk=project.pk).state == State.SUBMITTED
    assert QuestionAnswer.objects.get(project=project).value == "20"
