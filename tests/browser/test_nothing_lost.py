"""Nothing typed is lost, in Chromium: two tabs, an ended session, a refused budget row, an expired form."""
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError
from playwright.sync_api import expect

from projects import drafting
from projects.models import Project
from projects.states import State
from tests.browser.conftest import TIMEOUT_MS, fits_width, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATUS = '[data-testid="save-status"]'


def _section(page, project, code="basic"):
    page.goto(page.base + f"/apply/p/{project.pk}/edit/{code}/")
    page.wait_for_load_state("networkidle")


def _kept(page, key: str) -> str:
    """The copies the tabs keep of a section in the browser (one per tab: key@tab), joined."""
    return page.evaluate("""key => Object.keys(localStorage).filter(k => k === key || k.startsWith(key + "@"))
                                   .map(k => localStorage.getItem(k)).join("")""", key)


def _new_tab(page):
    """Another tab of the same browser (same cookies and local storage)."""
    tab = page.context.new_page()
    tab.base = page.base
    return tab


def _saved(page):
    expect(page.locator(STATUS)).to_contain_text("保存于")


def test_two_tabs_never_overwrite_each_other(page, world):
    project = world.draft()
    login(page, world.member.username)
    tab1, tab2 = page, _new_tab(page)
    _section(tab1, project)
    _section(tab2, project)

    # tab 1 saves a new summary; tab 2, still showing the old one, changes only the title
    tab1.fill("#id_summary", "第一个窗口：为高龄老人提供助餐、探访和健康讲座")
    _saved(tab1)
    tab2.fill("#id_title", "长者互助食堂（第二个窗口改名）")
    _saved(tab2)
    project.refresh_from_db()
    assert project.title == "长者互助食堂（第二个窗口改名）"
    assert project.summary == "第一个窗口：为高龄老人提供助餐、探访和健康讲座"  # not restored by tab 2
    expect(tab2.locator("#id_summary")).to_have_value("第一个窗口：为高龄老人提供助餐、探访和健康讲座")

    # now both change the summary: the later one sees both texts and chooses
    tab1.fill("#id_summary", "第一个窗口的第二版简介")
    _saved(tab1)
    tab2.fill("#id_summary", "第二个窗口写的简介，不能丢")
    conflict = tab2.locator('[data-testid="conflicts"]')
    expect(conflict).to_be_visible()
    expect(conflict.locator("[data-theirs]")).to_have_text("第一个窗口的第二版简介")
    expect(conflict.locator("[data-yours]")).to_have_text("第二个窗口写的简介，不能丢")
    expect(tab2.locator(STATUS)).to_contain_text("尚未保存")
    tab2.set_viewport_size({"width": 375, "height": 812})
    assert fits_width(tab2)
    screenshot(tab2, "applicant-two-tab-conflict-375")
    tab2.click('[data-testid="keep-mine"]')
    _saved(tab2)
    expect(conflict).to_be_hidden()
    project.refresh_from_db()
    assert project.summary == "第二个窗口写的简介，不能丢"
    assert project.title == "长者互助食堂（第二个窗口改名）"

    # the other way round: tab 1 takes theirs, its own text goes, the page shows the stored one
    tab1.fill("#id_summary", "第一个窗口又改了一次")
    expect(tab1.locator('[data-testid="conflicts"]')).to_be_visible()
    tab1.click('[data-testid="take-theirs"]')
    _saved(tab1)
    expect(tab1.locator("#id_summary")).to_have_value("第二个窗口写的简介，不能丢")
    project.refresh_from_db()
    assert project.summary == "第二个窗口写的简介，不能丢"


def test_a_tab_that_saves_never_drops_another_tabs_unsaved_copy(page, world):
    """Tab 2's input cannot reach the server (offline); tab 1 then edits and saves. Tab 2's copy in the
    browser must survive tab 1's save: a third page of the section restores it and saves it."""
    project = world.draft()
    login(page, world.member.username)
    tab1, tab2 = page, _new_tab(page)
    _section(tab1, project)
    _section(tab2, project)
    tab2.route("**/edit/basic/", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    tab2.fill("#id_summary", "第二个窗口离线时写的简介，不能丢")
    expect(tab2.locator(STATUS)).to_contain_text("网络")
    tab1.fill("#id_title", "长者互助食堂（第一个窗口改名）")
    _saved(tab1)
    tab3 = _new_tab(page)
    _section(tab3, project)
    expect(tab3.locator("#id_summary")).to_have_value("第二个窗口离线时写的简介，不能丢")
    _saved(tab3)
    project.refresh_from_db()
    assert project.summary == "第二个窗口离线时写的简介，不能丢"
    assert project.title == "长者互助食堂（第一个窗口改名）"  # tab 2's copy held the old title: not written back


def test_session_ending_while_typing_loses_nothing(page, world):
    project = world.draft()
    login(page, world.member.username)
    _section(page, project, "need")
    Session.objects.all().delete()  # the session ends (idle limit, logout elsewhere) while the page is open

    text = "辖区独居老人320人，其中80岁以上126人；助餐需求强烈。" * 3
    page.fill("#id_need_analysis", text)
    dialog = page.locator('[data-testid="relogin"]')
    expect(dialog).to_be_visible()
    expect(page.locator(STATUS)).to_contain_text("登录已失效")
    assert "网络未连接" not in page.inner_text(STATUS)
    kept = _kept(page, f"yc-draft:{project.pk}:need")
    assert kept and "独居老人320人" in kept
    screenshot(page, "applicant-session-expired")

    page.fill("#relogin-password", "wrong-password")
    page.click('[data-testid="relogin-submit"]')
    expect(dialog.locator("[data-relogin-error]")).to_be_visible()
    expect(dialog).to_be_visible()
    page.fill("#relogin-password", "pass-12345")
    page.click('[data-testid="relogin-submit"]')
    _saved(page)
    expect(dialog).to_be_hidden()
    project.refresh_from_db()
    assert project.need_analysis == text
    assert _kept(page, f"yc-draft:{project.pk}:need") == ""  # confirmed, then dropped
    assert page.url.endswith(f"/apply/p/{project.pk}/edit/need/")  # never left the page

    # Save (the button) after the session ended says the same, and saves after logging in again
    Session.objects.all().delete()
    page.fill("#id_target_group", "80岁以上独居老人及其照护者")
    page.click('[data-testid="save"]')
    expect(dialog).to_be_visible()
    page.fill("#relogin-password", "pass-12345")
    with page.expect_navigation():  # the button's own step: once saved, the page reloads
        page.click('[data-testid="relogin-submit"]')
    page.wait_for_load_state("networkidle")
    project.refresh_from_db()
    assert project.target_group == "80岁以上独居老人及其照护者"


def test_a_refused_budget_row_stays_marked_and_is_not_counted(phone, world):
    project = world.draft()
    login(phone, world.member.username)
    _section(phone, project, "budget")
    total_before = phone.inner_text('[data-testid="budget-total"]')
    rows = phone.locator("#budget-lines > .row")
    count = rows.count()
    phone.click('[data-testid="add-budget-line"]')
    row = rows.nth(count)
    row.locator('[name="b_category"]').select_option("labor")
    row.locator('[name="b_item"]').fill("督导费")
    row.locator('[name="b_unit_price"]').fill("12 000")
    row.locator('[name="b_quantity"]').fill("1")
    expect(row.locator('[data-col="unit_price"].refused-cell .cell-error')).to_contain_text("不能有空格")
    expect(phone.locator(STATUS)).to_contain_text("尚未全部保存")
    assert "保存于" not in phone.inner_text(STATUS)
    # the preview parses as the server does: the refused row counts nowhere
    assert phone.inner_text('[data-testid="budget-total"]') == total_before
    assert fits_width(phone)
    screenshot(phone, "applicant-budget-refused-row-375")

    phone.goto(phone.base + f"/apply/p/{project.pk}/")  # leave the page, come back
    _section(phone, project, "budget")
    row = phone.locator("#budget-lines > .row").nth(count)
    expect(row.locator('[name="b_unit_price"]')).to_have_value("12 000")
    expect(row.locator('[data-col="unit_price"]')).to_have_class("refused-cell")
    row.locator('[name="b_unit_price"]').fill("12000")
    _saved(phone)
    project = Project.objects.get(pk=project.pk)
    assert "budget" not in project.refused_rows
    assert project.budget_lines.filter(item="督导费", unit_price=12000).exists()


def test_an_expired_report_form_is_shown_again_with_the_typed_text(page, world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    login(page, world.member.username)
    page.goto(page.base + f"/apply/p/{project.pk}/reports/")
    narrative = "本季度开展助餐服务60天，探访独居老人240人次。\n志愿者招募顺利。"
    page.fill("#id_narrative", narrative)
    # the page was left open while the token changed (a new login elsewhere, an expired cookie)
    page.context.add_cookies([{"name": "csrftoken", "value": "x" * 32, "url": page.base}])
    page.click('[data-testid="submit-report"]')
    expect(page.locator('[data-testid="csrf-expired"]')).to_have_text("页面已过期，请重新提交")
    expect(page.locator('textarea[name="narrative"]')).to_have_value(narrative)
    screenshot(page, "csrf-expired-report")
    page.click('[data-testid="resubmit"]')
    expect(page.locator(".msg.success")).to_be_visible()
    assert project.reports.get().narrative.replace("\r\n", "\n") == narrative  # a textarea posts CRLF


def test_autosave_renews_an_expired_token_and_saves(page, world):
    project = world.draft()
    login(page, world.member.username)
    _section(page, project, "team")
    page.context.add_cookies([{"name": "csrftoken", "value": "y" * 32, "url": page.base}])
    page.fill("#id_team", "社工4名，志愿者25名，督导1名")
    _saved(page)
    project.refresh_from_db()
    assert project.team == "社工4名，志愿者25名，督导1名"


# Everything the status line said on each page, in order (the restored-input message may be replaced by
# "保存于" within a second: the test reads the history, not the last word).
_STATUS_LOG = """document.addEventListener("DOMContentLoaded", function () {
  var s = document.getElementById("save-status"); if (!s) return;
  window.__said = [s.textContent];
  new MutationObserver(function () { window.__said.push(s.textContent); }).observe(s, {childList: true, characterData: true, subtree: true});
});"""


def _said(page) -> list[str]:
    return page.evaluate("window.__said || []")


def _restored(page) -> str:
    """The page's words for restored input (已恢复未保存的输入内容。)."""
    return page.get_attribute(STATUS, "data-restored")


def _until(check, what: str):
    """Waits (up to the browser timeout) for a condition on the database."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_back_after_a_save_never_says_input_was_restored(page, world):
    """Saved input is not "restored": neither after an answered save nor after the save the page sent as
    it closed (its answer never read, its copy left in the browser) of a figure the server stores in its
    own form (0370 → 370)."""
    project = world.draft()
    page.context.add_init_script(_STATUS_LOG)
    login(page, world.member.username)
    _section(page, project, "need")
    page.fill("#id_need_analysis", "走访调研：独居老人320人，助餐需求强烈")
    _saved(page)
    page.click('a[data-section-link="area"]')
    page.wait_for_url("**/edit/area/")
    page.go_back()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_need_analysis")).to_have_value("走访调研：独居老人320人，助餐需求强烈")
    assert not any(_restored(page) in s for s in _said(page)), _said(page)

    page.fill("#id_beneficiaries", "0370")
    _section(page, project, "area")  # left at once: the save goes out as the page closes
    _until(lambda: Project.objects.get(pk=project.pk).beneficiaries == 370, "the closing save did not arrive")
    assert _kept(page, f"yc-draft:{project.pk}:need")  # its copy stayed: nobody read the answer
    page.go_back()
    page.wait_for_load_state("networkidle")
    _saved(page)
    assert not any(_restored(page) in s for s in _said(page)), _said(page)
    assert _kept(page, f"yc-draft:{project.pk}:need") == ""


def _saves_fail(*args, **kwargs):
    raise OperationalError("the database is unreachable")


def test_input_that_never_reached_the_server_is_restored_after_back(page, world, monkeypatch):
    """The real protection stays: input whose saves all failed is restored, said, and saved when the person
    comes back with Back."""
    project = world.draft()
    page.context.add_init_script(_STATUS_LOG)
    login(page, world.member.username)
    _section(page, project, "need")
    # Every save fails on the server (503: the database is unreachable), the one sent as the page closes
    # too (page.route does not hold that one: it is sent with keepalive).
    monkeypatch.setattr(drafting, "save_section", _saves_fail)
    page.fill("#id_target_group", "离线时写的服务对象，不能丢")
    expect(page.locator(STATUS)).to_contain_text("尚未保存")
    page.click('a[data-section-link="area"]')  # the save fails again; the section changes, the copy stays
    page.wait_for_url("**/edit/area/")
    page.wait_for_load_state("networkidle")
    assert Project.objects.get(pk=project.pk).target_group == "80岁以上独居老人"  # the server never had it
    assert "离线时写的服务对象" in _kept(page, f"yc-draft:{project.pk}:need")
    monkeypatch.undo()
    page.go_back()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_target_group")).to_have_value("离线时写的服务对象，不能丢")
    expect(page.locator(STATUS)).to_contain_text(_restored(page))
    expect(page.locator(STATUS)).to_contain_text("保存于")
    assert Project.objects.get(pk=project.pk).target_group == "离线时写的服务对象，不能丢"
    assert _kept(page, f"yc-draft:{project.pk}:need") == ""


def test_back_never_puts_old_text_over_what_another_tab_saved(page, world):
    """Chromium fills the fields of a page reached by Back with what they held when it was left (after the
    script has read the page): the old text showed, and the next save wrote it over the other tab's."""
    project = world.draft()
    login(page, world.member.username)
    _section(page, project, "need")
    page.fill("#id_need_analysis", "第一个窗口写的需求分析")
    _saved(page)
    page.click('a[data-section-link="area"]')
    page.wait_for_url("**/edit/area/")
    tab2 = _new_tab(page)
    _section(tab2, project, "need")
    tab2.fill("#id_need_analysis", "第二个窗口后来改的需求分析")
    _saved(tab2)
    page.go_back()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_need_analysis")).to_have_value("第二个窗口后来改的需求分析")
    page.fill("#id_target_group", "80岁以上独居老人")
    _saved(page)
    project.refresh_from_db()
    assert project.need_analysis == "第二个窗口后来改的需求分析"
    assert project.target_group == "80岁以上独居老人"


_COVERED = """() => {
  const bar = document.getElementById("save-status").getBoundingClientRect(), el = document.activeElement;
  const box = el.getBoundingClientRect(), label = el.labels && el.labels[0] ? el.labels[0].getBoundingClientRect() : box;
  const under = r => r.bottom > bar.top + 1 && r.top < bar.bottom;
  return under(box) || under(label) ? (el.name || el.textContent.trim()) : "";
}"""


@pytest.mark.parametrize("width", [375, 1280])
def test_the_status_bar_never_covers_the_field_or_choice_in_focus_during_a_conflict(browser, live_server, world, width):
    """The status sticks to the bottom of the screen; a conflict's message is two lines on a phone. Going
    through the page with the keyboard, no focused field, label or choice button is under it."""
    project = world.draft()
    context = browser.new_context(viewport={"width": width, "height": 812 if width == 375 else 900}, locale="zh-CN",
                                  is_mobile=width == 375, has_touch=width == 375, bypass_csp=True)
    try:
        page = context.new_page()
        page.base = live_server.url
        login(page, world.member.username)
        tab1, tab2 = page, _new_tab(page)
        _section(tab1, project, "need")
        tab1.fill("#id_need_analysis", "辖区独居老人320人，其中80岁以上126人，助餐需求强烈。\n" * 6)  # a long page
        _saved(tab1)
        _section(tab2, project, "need")
        tab1.fill("#id_target_group", "第一个窗口写的服务对象：辖区80岁以上独居老人及其家庭照护者")
        _saved(tab1)
        tab2.fill("#id_target_group", "第二个窗口写的服务对象：社区低保家庭中的高龄老人及卧床老人")
        expect(tab2.locator('[data-testid="conflicts"]')).to_be_visible()
        covered = []
        tab2.evaluate("window.scrollTo(0, 0)")
        tab2.locator('[data-testid="keep-mine"]').focus()
        for _ in range(8):
            covered.append(tab2.evaluate(_COVERED))
            tab2.keyboard.press("Tab")
        screenshot(tab2, f"applicant-conflict-focus-{width}")
        assert not any(covered), covered
        assert fits_width(tab2, width)
    finally:
        context.close()


def test_a_field_losing_focus_after_its_input_was_saved_sends_no_second_save(page, world):
    """A text field sends a change event when it loses focus; once its input is saved that is no reason to
    save again (it was one more request per field on deadline day)."""
    project = world.draft()
    login(page, world.member.username)
    _section(page, project, "need")
    saves = []
    page.on("request", lambda r: saves.append(r.url) if r.method == "POST" else None)
    page.click("#id_target_group")
    page.keyboard.type("社区独居老人")
    _saved(page)
    page.click("#id_beneficiaries")  # the first field loses focus: its change event
    page.keyboard.press("End")
    page.keyboard.type("5")
    _until(lambda: Project.objects.get(pk=project.pk).beneficiaries == 2005, "the number was not saved")
    _saved(page)
    page.click('a[data-section-link="area"]')  # the number field loses focus too
    page.wait_for_url("**/edit/area/")
    assert len(saves) == 2, saves
    assert Project.objects.get(pk=project.pk).target_group.endswith("社区独居老人")
