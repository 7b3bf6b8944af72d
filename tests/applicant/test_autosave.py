"""Section saves never refuse a draft: valid input is saved, the rest is reported and kept."""
from decimal import Decimal

from django.urls import reverse

from projects.states import State

AUTOSAVE = {"HTTP_X_AUTOSAVE": "1"}


def _section(project, code):
    return reverse("applicant:section", args=[project.pk, code])


def test_autosave_saves_fields_and_reports_bad_ones(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    response = c.post(_section(project, "need"), {"need_analysis": "新的需求分析", "target_group": "",
                                                  "beneficiaries": "二百"}, **AUTOSAVE)
    data = response.json()
    assert response.status_code == 200 and data["saved"] is True and data["complete"] is False
    assert len(data["problems"]) == 1
    project.refresh_from_db()
    assert project.need_analysis == "新的需求分析" and project.target_group == ""
    assert project.beneficiaries == 200  # the bad number did not overwrite the saved one


def test_half_filled_milestone_rows_do_not_block_the_complete_ones(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    data = c.post(_section(project, "plan"), {
        "activity_plan": "计划",
        "m_title": ["启动会", "中期", ""], "m_due_date": ["2026-09-01", "", ""], "m_deliverable": ["签到表", "", ""],
    }, **AUTOSAVE).json()
    assert data["saved"] and not data["complete"]
    assert data["problems"] == ["项目节点第2行：请填写完成日期（年-月-日）"]
    assert list(project.milestones.values_list("title", flat=True)) == ["启动会"]


def test_budget_autosave_saves_complete_rows_and_returns_the_rule_check(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    data = c.post(_section(project, "budget"), {
        "b_category": ["labor", "activity", "office"], "b_item": ["社工劳务", "活动物资", "打印"],
        "b_unit_price": ["60000.00", "40000", "abc"], "b_quantity": ["1", "1", "2"],
        "b_source": ["grant", "grant", "grant"], "b_explanation": ["", "", ""],
    }, **AUTOSAVE).json()
    assert data["saved"] and not data["complete"]
    assert data["problems"][0].startswith("预算第3行：单价：金额格式不正确")
    assert any("人员经费/劳务费（资助资金支付）合计 60,000.00 元，超过上限 50,000.00 元" in r for r in data["rules"])
    project.refresh_from_db()
    assert project.requested_amount == Decimal("100000.00") and project.budget_lines.count() == 2


def test_a_control_character_in_a_row_refuses_that_cell_and_saves_the_rest(world, client_for):
    """A crafted escape or line break in a row's text: before, the service refused the whole save (400)."""
    project = world.draft()
    c = client_for(world.member)
    response = c.post(_section(project, "budget"), {
        "b_category": ["activity", "office"], "b_item": ["活动物资", "打印"], "b_unit_price": ["400", "20"],
        "b_quantity": ["1", "2"], "b_source": ["grant", "grant"], "b_explanation": ["", "墨盒\x1b[31m"],
    }, **AUTOSAVE)
    data = response.json()
    assert response.status_code == 200 and data["saved"] and not data["complete"]
    assert data["cells"]["budget"] == {"2": {"explanation": "不能包含换行或其他控制字符，请改为一行文字"}}
    assert list(project.budget_lines.values_list("item", flat=True)) == ["活动物资"]
    project.refresh_from_db()
    assert project.refused_rows["budget"][1]["explanation"] == "墨盒\x1b[31m"  # kept as typed, shown again
    data = c.post(_section(project, "plan"), {"m_title": ["启动会\n第二行"], "m_due_date": ["2026-09-01"],
                                               "m_deliverable": [""]}, **AUTOSAVE).json()
    assert data["saved"] and data["cells"]["milestones"] == {"1": {"title": "不能包含换行或其他控制字符，请改为一行文字"}}
    data = c.post(_section(project, "indicators"), {"i_name": ["服务人次"], "i_unit": ["人\x07次"], "i_target": ["10"]},
                  **AUTOSAVE).json()
    assert data["saved"] and data["cells"]["indicators"] == {"1": {"unit": "不能包含换行或其他控制字符，请改为一行文字"}}


def test_non_js_post_with_problems_renders_the_typed_input_again(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    response = c.post(_section(project, "indicators"), {"i_name": ["服务人次", "满意度"], "i_unit": ["人次", ""],
                                                        "i_target": ["2000", "九十"], "go": "team"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="满意度"' in body and 'value="九十"' in body
    assert "绩效指标第2行：请填写单位；目标值须为大于0的数字，最多两位小数" in body


def test_complete_post_moves_to_the_next_section(world, client_for):
    project = world.draft()
    response = client_for(world.member).post(_section(project, "team"), {"team": "社工4名", "go": "budget"})
    assert response.status_code == 302 and response["Location"] == _section(project, "budget")


def test_frozen_application_is_not_saved(world, client_for):
    project = world.advance(world.draft(), State.SUBMITTED)
    response = client_for(world.member).post(_section(project, "team"), {"team": "改动"}, **AUTOSAVE)
    assert response.status_code == 409 and response.json()["saved"] is False
    project.refresh_from_db()
    assert project.team != "改动"


def test_pages_carry_what_autosave_needs(world, client_for):
    project = world.draft()
    body = client_for(world.member).get(_section(project, "budget")).content.decode()
    assert f'data-key="yc-draft:{project.pk}:budget"' in body and 'data-autosave="1"' in body
    assert 'data-cap-kind="pct_grant" data-cap-value="5000"' in body


def test_the_answer_says_whether_the_save_changed_what_is_stored(world, client_for):
    """autosave.js tells the person it restored unsaved input only when its save wrote something: a copy
    left in the browser by a save whose answer was never read (0370, stored as 370) writes nothing."""
    project = world.draft()
    c = client_for(world.member)
    typed = {"need_analysis": "新的需求分析", "target_group": "80岁以上独居老人", "beneficiaries": "0370"}
    first = c.post(_section(project, "need"), {**typed, "_version": project.edit_version}, **AUTOSAVE).json()
    assert first["saved"] and first["wrote"] is True
    again = c.post(_section(project, "need"), {**typed, "_version": project.edit_version}, **AUTOSAVE).json()
    assert again["saved"] and again["complete"] and again["wrote"] is False  # stale version, same text
    assert again["version"] == first["version"]
