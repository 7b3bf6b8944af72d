"""Nothing typed is lost: stale saves (two tabs, two colleagues), an ended session, refused rows."""
import json
import time

import pytest
from django.test import Client
from django.urls import reverse

from projects import drafting, services
from projects.errors import ProjectError
from projects.sections import BY_CODE
from projects.states import State
from tests.builders import PASSWORD

AUTOSAVE = {"HTTP_X_AUTOSAVE": "1"}


def _url(project, code="basic"):
    return reverse("applicant:section", args=[project.pk, code])


def _page(project, code="basic"):
    """What a tab holds after loading the section: the version and the form's entries (its base)."""
    project.refresh_from_db()
    entries = drafting.entries(BY_CODE[code], project)
    return project.edit_version, entries


def _post(entries, version, base, **changes):
    data: dict[str, list[str]] = {}
    for name, value in entries:
        data.setdefault(name, []).append(value)
    data.update({k: [v] if isinstance(v, str) else v for k, v in changes.items()})
    data["_version"] = [str(version)]
    if base is not None:
        data["_base"] = [json.dumps(base)]
    return data


def test_tab_changing_only_the_title_keeps_the_summary_saved_by_the_other_tab(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    version, entries = _page(project)
    tab1 = c.post(_url(project), _post(entries, version, entries, summary="第一个窗口写的新简介"), **AUTOSAVE)
    assert tab1.status_code == 200 and tab1.json()["saved"] is True
    tab2 = c.post(_url(project), _post(entries, version, entries, title="第二个窗口改的名称"), **AUTOSAVE)
    data = tab2.json()
    assert tab2.status_code == 200 and data["saved"] is True and data["complete"] is True
    project.refresh_from_db()
    assert project.title == "第二个窗口改的名称"
    assert project.summary == "第一个窗口写的新简介"  # not restored to the old text tab 2 still showed
    assert project.edit_version == version + 2 and data["version"] == project.edit_version
    # tab 2 is told to show the newer summary, and gets its new base
    assert data["refresh_keys"] == ["summary"] and ["summary", "第一个窗口写的新简介"] in data["refresh"]
    assert ["title", "第二个窗口改的名称"] in data["base"]


def test_both_tabs_changing_the_same_text_is_a_conflict_and_nothing_is_written(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    version, entries = _page(project)
    c.post(_url(project), _post(entries, version, entries, summary="同事保存的简介"), **AUTOSAVE)
    response = c.post(_url(project), _post(entries, version, entries, summary="我输入的简介", title="我的新名称"),
                      **AUTOSAVE)
    data = response.json()
    assert response.status_code == 409 and data["code"] == "conflict" and data["saved"] is False
    assert [(x["key"], x["theirs"], x["yours"]) for x in data["conflicts"]] == [("summary", "同事保存的简介", "我输入的简介")]
    assert data["theirs"]["summary"] == [["summary", "同事保存的简介"]]
    assert data["refresh_keys"] == []  # the title was changed only here
    project.refresh_from_db()
    assert project.summary == "同事保存的简介" and project.title != "我的新名称"  # nothing of the stale save
    # "Keep mine": the page rebases on the stored text and saves again with the current version
    kept = c.post(_url(project), _post(entries, data["version"], data["base"], summary="我输入的简介", title="我的新名称"),
                  **AUTOSAVE)
    assert kept.status_code == 200 and kept.json()["complete"] is True
    project.refresh_from_db()
    assert project.summary == "我输入的简介" and project.title == "我的新名称"


def test_stale_budget_rows_are_compared_as_figures(world, client_for):
    """The same budget typed as "60,000" and stored as 60000.00 is no conflict."""
    project = world.draft()
    c = client_for(world.member)
    version, entries = _page(project, "budget")
    rows = {"b_category": ["labor"], "b_item": ["社工劳务"], "b_unit_price": ["60,000"], "b_quantity": ["1"],
            "b_source": ["grant"], "b_explanation": [""]}
    assert c.post(_url(project, "budget"), {**rows, "_version": str(version)}, **AUTOSAVE).json()["complete"]
    stale = c.post(_url(project, "budget"), {**rows, "_version": str(version), "_base": json.dumps(entries)},
                   **AUTOSAVE)
    assert stale.status_code == 200 and stale.json()["saved"] is True


def test_a_form_posted_without_the_script_shows_the_conflict_and_the_typed_text(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    version, entries = _page(project)
    c.post(_url(project), _post(entries, version, entries, summary="同事保存的简介"), **AUTOSAVE)
    response = c.post(_url(project), _post(entries, version, None, summary="我输入的简介", go=""))
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="conflicts-static"' in body
    assert "同事保存的简介" in body and "我输入的简介" in body  # both texts; the typed one is still in the form
    project.refresh_from_db()
    assert project.summary == "同事保存的简介"
    # the person takes theirs for the summary: the re-shown form carries the current version
    again = c.post(_url(project), _post(entries, project.edit_version, None, summary="我输入的简介",
                                        _take_theirs="summary", title="新名称", go=""))
    assert again.status_code == 302
    project.refresh_from_db()
    assert project.summary == "同事保存的简介" and project.title == "新名称"


def test_autosave_into_an_ended_session_answers_401_not_a_redirect(world):
    project = world.draft()
    response = Client().post(_url(project), {"summary": "x"}, **AUTOSAVE)
    assert response.status_code == 401 and response.json()["code"] == "session_expired"
    assert "登录已失效" in response.json()["message"]
    # a page (not the script) still goes to the login page
    assert Client().post(_url(project), {"summary": "x"}).status_code == 302


def test_autosave_after_the_idle_limit_answers_401(world, settings):
    project = world.draft()
    c = Client()
    assert c.login(username=world.member.username, password=PASSWORD)
    session = c.session
    session["yc_seen_at"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT_SECONDS - 60
    session.save()
    response = c.post(_url(project), {"summary": "等了很久才保存"}, **AUTOSAVE)
    assert response.status_code == 401 and response.json()["code"] == "session_expired"
    project.refresh_from_db()
    assert project.summary != "等了很久才保存"


def test_refused_budget_row_stays_in_the_draft_marked_on_its_cell(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    data = c.post(_url(project, "budget"), {
        "b_category": ["activity", "activity"], "b_item": ["活动物资", "场地"], "b_unit_price": ["30000", "12 000"],
        "b_quantity": ["1", "1"], "b_source": ["grant", "grant"], "b_explanation": ["", ""],
    }, **AUTOSAVE).json()
    assert data["saved"] is True and data["complete"] is False
    assert "中间不能有空格" in data["cells"]["budget"]["2"]["unit_price"]
    project.refresh_from_db()
    assert project.budget_lines.count() == 1 and project.requested_amount == 30000
    assert project.refused_rows["budget"][1]["unit_price"] == "12 000"
    body = c.get(_url(project, "budget")).content.decode()  # the page left and opened again
    assert 'value="12 000"' in body and "refused-cell" in body
    # fixed: the kept rows go, the budget holds both
    c.post(_url(project, "budget"), {
        "b_category": ["activity", "activity"], "b_item": ["活动物资", "场地"], "b_unit_price": ["30000", "12000"],
        "b_quantity": ["1", "1"], "b_source": ["grant", "grant"], "b_explanation": ["", ""],
    }, **AUTOSAVE)
    project.refresh_from_db()
    assert project.budget_lines.count() == 2 and "budget" not in project.refused_rows


def test_quantity_follows_the_shared_rule(world, client_for):
    project = world.draft()
    data = client_for(world.member).post(_url(project, "budget"), {
        "b_category": ["activity", "activity"], "b_item": ["水", "纸"], "b_unit_price": ["1", "1"],
        "b_quantity": ["1,000", "1e12"], "b_source": ["grant", "grant"], "b_explanation": ["", ""],
    }, **AUTOSAVE).json()
    assert list(data["cells"]["budget"]) == ["2"] and "quantity" in data["cells"]["budget"]["2"]
    assert project.budget_lines.get().quantity == 1000


def test_title_cannot_be_emptied(world, client_for):
    project = world.draft()
    before = project.title
    data = client_for(world.member).post(_url(project), {"title": "  ", "summary": "简介"}, **AUTOSAVE).json()
    assert any(services.TITLE_REQUIRED in p for p in data["problems"]) and data["complete"] is False
    project.refresh_from_db()
    assert project.title == before and project.summary == "简介"


def test_the_service_refuses_an_empty_title(world):
    project = world.draft()
    with pytest.raises(ProjectError, match="项目名称不能为空"):
        services.update_project(actor=world.member, project_id=project.pk, title="")


def test_a_second_report_from_an_older_page_shows_both_and_keeps_the_typed_one(world, client_for):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    c = client_for(world.member)
    url = reverse("applicant:reports", args=[project.pk])
    project.refresh_from_db()
    opened = project.edit_version
    first = c.post(url, {"kind": "progress", "narrative": "同事写的进度报告", "_version": str(opened)})
    assert first.status_code == 302
    stale = c.post(url, {"kind": "progress", "narrative": "我写的进度报告：开展活动12场", "_version": str(opened)})
    body = stale.content.decode()
    assert stale.status_code == 200 and 'data-testid="report-conflict"' in body
    assert "同事写的进度报告" in body and body.count("我写的进度报告：开展活动12场") >= 2  # both sides, and the form
    assert project.reports.count() == 1
    project.refresh_from_db()
    assert f'name="_version" value="{project.edit_version}"' in body
    kept = c.post(url, {"kind": "progress", "narrative": "我写的进度报告：开展活动12场", "_version": str(project.edit_version)})
    assert kept.status_code == 302 and project.reports.count() == 2


def test_a_refused_milestone_row_is_kept_and_blocks_submission_until_fixed(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    data = c.post(_url(project, "plan"), {
        "activity_plan": "计划", "m_title": ["启动会", "中期"], "m_due_date": ["2026-09-01", "九月"],
        "m_deliverable": ["签到表", "报告"],
    }, **AUTOSAVE).json()
    assert data["cells"]["milestones"] == {"2": {"due_date": "请填写完成日期（年-月-日）"}}
    project.refresh_from_db()
    assert [r["title"] for r in project.refused_rows["milestones"]] == ["启动会", "中期"]
    body = c.get(reverse("applicant:submit", args=[project.pk])).content.decode()
    assert "项目节点中有未通过检查的行" in body


def test_a_conflict_also_refreshes_the_parts_only_the_other_side_changed(world, client_for):
    """Otherwise, once the person keeps their summary, the old title still on their page would go out
    as a change and undo the colleague's new title."""
    project = world.draft()
    c = client_for(world.member)
    version, entries = _page(project)
    c.post(_url(project), _post(entries, version, entries, summary="同事的简介", title="同事改的名称"), **AUTOSAVE)
    data = c.post(_url(project), _post(entries, version, entries, summary="我的简介"), **AUTOSAVE).json()
    assert [x["key"] for x in data["conflicts"]] == ["summary"]
    assert data["refresh_keys"] == ["title"] and ["title", "同事改的名称"] in data["refresh"]


def test_a_refused_field_is_named_for_the_page_to_mark_it(world, client_for):
    project = world.draft()
    data = client_for(world.member).post(_url(project, "need"), {"need_analysis": "分析", "beneficiaries": "二百"},
                                         **AUTOSAVE).json()
    assert data["saved"] and not data["complete"] and list(data["fields"]) == ["beneficiaries"]
