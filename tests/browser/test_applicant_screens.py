"""Every applicant page at 375 px: fits the screen, one money style, Chinese punctuation, no "---------".
Screenshots land in test-artifacts/screenshots/applicant-375-*.png to be looked at."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from projects.states import State
from tests.browser.conftest import fits_width, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BARE_MONEY = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}(?!\d)")  # 74000.00: money without thousands separators
ASCII_COLON_AFTER_CHINESE = re.compile(r"[\u4e00-\u9fff\uff09]:")


def _look(phone, path: str, name: str) -> None:
    phone.goto(phone.base + path)
    phone.wait_for_load_state("networkidle")
    text = phone.inner_text("main")
    assert phone.locator("main h1").count() >= 1, path
    assert fits_width(phone), f"{path} scrolls sideways at 375 px"
    assert not BARE_MONEY.findall(text), f"{path}: {BARE_MONEY.findall(text)}"
    assert not ASCII_COLON_AFTER_CHINESE.findall(text), f"{path}: ASCII colon after a Chinese label"
    assert "---------" not in phone.content(), path
    screenshot(phone, f"applicant-375-{name}")


def test_every_applicant_page_at_375_px(phone, world):
    draft = world.draft()
    org2, member2 = world.new_org()
    cut = world.advance(world.draft(org2, member2, title="社区儿童托管"), State.PUBLICITY,
                        approved_amount=Decimal("80000.00"))
    org3, member3 = world.new_org()
    running = world.advance(world.draft(org3, member3, title="邻里互助站"), State.IN_PROGRESS)
    visits = {
        world.member: [
            ("/apply/", "dashboard"),
            ("/apply/rounds/", "rounds"),
            (f"/apply/rounds/{world.round.pk}/", "round"),
            ("/apply/organization/", "organization"),
            ("/apply/organization/bank-account/", "bank-account"),
            (f"/apply/p/{draft.pk}/", "project"),
            *[(f"/apply/p/{draft.pk}/edit/{code}/", f"section-{code}")
              for code in ("basic", "need", "area", "plan", "indicators", "team", "budget")],
            (f"/apply/p/{draft.pk}/edit/attachments/", "attachments"),
            (f"/apply/p/{draft.pk}/submit/", "submit"),
        ],
        member2: [
            (f"/apply/p/{cut.pk}/agreement/", "agreement-cut"),
            (f"/apply/p/{cut.pk}/agreement/budget/", "revise-budget"),
        ],
        member3: [
            ("/apply/", "dashboard-running"),
            (f"/apply/p/{running.pk}/", "project-running"),
            (f"/apply/p/{running.pk}/reports/", "reports"),
            (f"/apply/p/{running.pk}/adjustment/", "adjustment"),
        ],
    }
    for member, pages in visits.items():
        phone.context.clear_cookies()
        login(phone, member.username)
        for path, name in pages:
            _look(phone, path, name)


def test_the_revise_budget_button_is_readable(page, world):
    cut = world.advance(world.draft(), State.PUBLICITY, approved_amount=Decimal("80000.00"))
    login(page, world.member.username)
    page.goto(page.base + f"/apply/p/{cut.pk}/agreement/")
    button = page.locator('[data-testid="revise-budget"]')
    expect(button).to_be_visible()
    color, background = button.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
    assert color != background, (color, background)
    assert color == "rgb(255, 255, 255)"
    headers = page.locator('[data-testid="tranches"] th').all_inner_texts()
    assert headers == ["拨款期次", "比例（%）", "拨付条件", "金额（元）", "大写金额"]


def test_the_agreement_tranches_are_cards_on_a_phone_and_a_table_on_a_desktop(page, phone, world):
    """At 375 px each tranche is a card of labelled lines, the 大写 amount among them, and nothing
    scrolls sideways (the table used to scroll inside its wrapper with no hint that 大写 was off
    screen); at 1280 px it stays a table with its header row."""
    project = world.advance(world.draft(), State.PUBLICITY, approved_amount=Decimal("80000.00"))
    url = f"/apply/p/{project.pk}/agreement/"
    table = '[data-testid="tranches"]'
    for pg, width in ((phone, 375), (page, 1280)):
        login(pg, world.member.username)
        pg.goto(pg.base + url)
        pg.wait_for_load_state("networkidle")
        screenshot(pg, f"agreement-tranches-{width}")
        wrap = pg.locator(table).locator("xpath=..")
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth + 1"), f"the tranches scroll sideways at {width} px"
        assert fits_width(pg, width)
        uppers = pg.locator(f'{table} td[data-testid^="tranche-upper-"]')
        assert uppers.count() >= 1
        for i in range(uppers.count()):
            box = uppers.nth(i).bounding_box()
            assert box["x"] + box["width"] <= width, box
        header_shown = pg.locator(f"{table} th").first.is_visible()
        if width == 375:
            assert not header_shown
            label = uppers.first.evaluate("td => getComputedStyle(td, '::before').content")
            assert "大写" in label, label
        else:
            assert header_shown


def test_the_current_section_tab_is_in_view_on_a_phone(phone, world):
    """The tabs scroll sideways at 375 px; from section 4 on the current one was off the screen."""
    project = world.draft()
    login(phone, world.member.username)
    for code in ("basic", "plan", "team", "budget"):
        phone.goto(phone.base + f"/apply/p/{project.pk}/edit/{code}/")
        phone.wait_for_load_state("networkidle")
        strip = phone.locator('[data-testid="tabs"]').bounding_box()
        tab = phone.locator('[data-testid="tabs"] a.current').bounding_box()
        assert strip["x"] - 1 <= tab["x"] and tab["x"] + tab["width"] <= strip["x"] + strip["width"] + 1, code
    screenshot(phone, "applicant-375-tabs-budget")
