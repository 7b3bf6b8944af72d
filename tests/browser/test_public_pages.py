"""Issue 15 in Chromium: filing an objection to a 公示 from the public home, the officer reading it;
the application PDF downloaded from "查看申报书"; and a 375 px pass over every public page and the
organization page (screenshots in test-artifacts/screenshots, looked at)."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from projects import services
from projects.states import State
from reviewers.objections import Objection
from tests.browser.conftest import fits_width, login, screenshot
from tests.builders import PDF, World
from tests.documents.pdfcheck import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world_with_notice_and_funded():
    world = World()
    in_notice = world.advance(world.draft(title="社区长者助餐"), State.APPROVED)
    services.publish_project(actor=world.officer, project_id=in_notice.pk)
    org, member = world.new_org()
    running = world.advance(world.draft(org, member, title="青少年课后成长营"), State.IN_PROGRESS)
    return world, in_notice, running


def test_filing_an_objection_from_the_public_home(phone, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world, in_notice, running = _world_with_notice_and_funded()
    phone.goto(phone.base + "/public/")
    expect(phone.locator("[data-testid=register-entry]")).to_be_visible()
    assert fits_width(phone)
    screenshot(phone, "public-home-375")
    phone.click(f"[data-testid=notice-link-{world.round.pk}]")
    expect(phone.locator("[data-testid=issuer]")).to_have_text(settings.YICHUANG_FUNDER_NAME)
    assert settings.YICHUANG_PUBLICITY_CONTACT["phone"] in phone.inner_text("[data-testid=contact]")
    assert fits_width(phone)
    screenshot(phone, "public-publicity-375")
    phone.click("[data-testid=objection-link]")
    assert fits_width(phone)
    screenshot(phone, "public-objection-form-375")
    phone.select_option("#id_project", str(in_notice.pk))
    phone.fill("#id_name", "李明")
    phone.fill("#id_phone", "13900001234")
    phone.fill("#id_reason", "该机构去年承接的助餐项目多次停餐，居民反映强烈。")
    phone.set_input_files("#id_evidence", files=[{"name": "停餐通知.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    phone.click("[data-testid=objection-submit]")
    number = phone.locator("[data-testid=objection-number]")
    expect(number).to_be_visible()
    objection = Objection.objects.get()
    expect(number).to_have_text(objection.number)
    screenshot(phone, "public-objection-filed-375")

    login(page, world.officer.username)
    page.goto(page.base + "/review/objections/")
    card = page.locator(f"[data-number='{objection.number}']")
    expect(card).to_contain_text("多次停餐")
    expect(card).to_contain_text("停餐通知.pdf")
    card.locator("textarea").fill("经核查，停餐系燃气检修，已恢复供餐，异议不成立。")
    card.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=no-objections]")).to_be_visible()
    objection.refresh_from_db()
    assert objection.state == "answered"
    screenshot(page, "officer-objections-1280")

    # the public page of a funded project, reached from the home
    phone.goto(phone.base + "/public/")
    phone.click(f"[data-code='{running.code}'] [data-testid=project-link]")
    expect(phone.locator("[data-testid=granted]")).to_have_text("100,000.00")
    assert fits_width(phone)
    screenshot(phone, "public-project-375")
    phone.goto(phone.base + f"/public/rounds/{world.round.pk}/")
    assert fits_width(phone)
    screenshot(phone, "public-round-375")


def test_application_pdf_downloads_from_view_the_application(page, phone, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = World()
    project = world.advance(world.draft(title="长者互助食堂"), State.SUBMITTED)
    login(page, world.member.username)
    page.goto(f"{page.base}/apply/p/{project.pk}/")
    page.click("[data-testid=view-application]")
    expect(page.locator("[data-testid=application-doc]")).to_contain_text("长者互助食堂")
    assert page.locator("[data-testid=application-doc] input, [data-testid=application-doc] fieldset").count() == 0
    screenshot(page, "applicant-application-1280")
    with page.expect_download() as info:
        page.click("[data-testid=application-pdf]")
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(pdf_text(data).split())
    assert "项目申报书" in text and "长者互助食堂" in text and "预算总额" in text and project.code in text
    with page.expect_download() as info:
        page.click("[data-testid=receipt-pdf]")
    receipt = "".join(pdf_text(Path(info.value.path()).read_bytes()).split())
    assert "申报回执" in receipt and f"{world.round.code}-HZ-00001" in receipt

    login(phone, world.member.username)
    phone.goto(f"{phone.base}/apply/p/{project.pk}/application/")
    assert fits_width(phone)
    screenshot(phone, "applicant-application-375")
    phone.goto(phone.base + "/apply/organization/")
    expect(phone.locator("[data-testid=contact-form]")).to_be_visible()
    assert fits_width(phone)
    screenshot(phone, "applicant-organization-375")
    phone.click("[data-testid=rating-change] summary")
    screenshot(phone, "applicant-organization-rating-open-375")
    page.goto(page.base + "/apply/organization/")
    screenshot(page, "applicant-organization-1280")


def test_rating_correction_goes_to_the_officer_and_back(page, phone, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = World()
    phone.goto(phone.base + "/apply/register/")
    assert fits_width(phone)
    screenshot(phone, "public-register-375")

    login(phone, world.member.username)
    phone.goto(phone.base + "/apply/organization/")
    phone.click("[data-testid=rating-change] summary")
    phone.select_option("#id_rating-rating", "5")
    phone.fill("#id_rating-rating_valid_until", "2031-05-31")
    phone.set_input_files("#id_rating-evidence", files=[{"name": "5A证书.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    phone.fill("#id_rating-reason", "2026年度评估结果为5A")
    phone.click("[data-testid=rating-change] button[type=submit]")
    expect(phone.locator("[data-testid=change-request][data-state=pending]")).to_contain_text("5A")
    assert fits_width(phone)
    screenshot(phone, "applicant-organization-request-375")

    login(page, world.officer.username)
    page.goto(page.base + "/organizations/review/")
    card = page.locator("[data-testid=pending-change]")
    expect(card).to_contain_text(world.org.name)
    expect(card).to_contain_text("5A证书.pdf")
    screenshot(page, "officer-organization-records-1280")
    card.locator("button[value=approve]").click()
    expect(page.locator("[data-testid=pending-change]")).to_have_count(0)
    world.org.refresh_from_db()
    assert world.org.rating == 5 and world.org.rating_certificate_name == "5A证书.pdf"

    phone.goto(phone.base + "/apply/organization/")
    expect(phone.locator("[data-testid=change-request][data-state=approved]")).to_be_visible()
    expect(phone.locator("[data-testid=org-facts]")).to_contain_text("5A")
