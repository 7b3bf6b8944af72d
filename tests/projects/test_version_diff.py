"""The version diff staff read: Chinese labels for fields, columns and values, and rows matched by
identity, so moving rows changes nothing and editing one row shows that row only."""
import pytest
from django.urls import reverse

from grants.defaults import DOMAINS
from projects import services
from projects.diff import diff_rows, diff_snapshots
from projects.states import State
from tests.builders import budget

BUDGET = [
    {"category": "labor", "item": "社工劳务费", "unit_price": "40000.00", "quantity": "1", "amount": "40000.00",
     "source": "grant", "explanation": ""},
    {"category": "activity", "item": "活动物资", "unit_price": "100.00", "quantity": "500", "amount": "50000.00",
     "source": "grant", "explanation": "每场100元"},
    {"category": "labor", "item": "志愿者补贴", "unit_price": "50.00", "quantity": "100", "amount": "5000.00",
     "source": "cofund", "explanation": ""},
]
MILESTONES = [{"title": "启动", "due_date": "2026-03-01", "deliverable": "启动会"},
              {"title": "中期", "due_date": "2026-06-01", "deliverable": "中期报告"}]
INDICATORS = [{"name": "服务人次", "unit": "人次", "target": "2000"}, {"name": "满意度", "unit": "%", "target": "90"}]


def snap(budget=BUDGET, milestones=MILESTONES, indicators=INDICATORS, **fields):
    return {"title": "长者助餐", "requested_amount": "90000.00", "domain": "elderly", "government_funded": "False",
            **fields, "budget": budget, "milestones": milestones, "indicators": indicators}


def test_reordered_rows_are_no_change():
    new = snap(list(reversed(BUDGET)), list(reversed(MILESTONES)), list(reversed(INDICATORS)))
    assert diff_snapshots(snap(), new).empty


def test_editing_one_row_shows_only_that_row_with_its_changed_column():
    edited = [dict(row) for row in reversed(BUDGET)]
    edited[1] = {**edited[1], "unit_price": "90.00", "amount": "45000.00"}  # 活动物资, now second
    changes = diff_snapshots(snap(), snap(edited)).rows["budget"]
    assert [(c.kind, c.old_position, c.new_position, c.keys) for c in changes] == [
        ("changed", 2, 2, ("unit_price", "amount"))]
    cells = {cell.label: cell for cell in changes[0].cells}
    assert (cells["单价"].old, cells["单价"].new, cells["单价"].changed) == ("100.00", "90.00", True)
    assert (cells["类别"].new, cells["资金来源"].new, cells["类别"].changed) == ("活动费", "资助资金", False)


def test_a_renamed_row_is_one_changed_row_and_new_rows_are_added():
    renamed = [dict(row) for row in BUDGET]
    renamed[0]["item"] = "项目社工劳务费"
    renamed.append({"category": "publicity", "item": "宣传折页", "unit_price": "2", "quantity": "500",
                    "amount": "1000.00", "source": "grant", "explanation": ""})
    changes = diff_rows("budget", BUDGET, renamed).changes
    assert [(c.kind, c.keys) for c in changes] == [("changed", ("item",)), ("added", ())]
    assert changes[1].kind_label == "新增" and changes[0].kind_label == "修改"
    removed = diff_rows("milestones", MILESTONES, MILESTONES[:1]).changes
    assert [(c.kind, c.kind_label, c.old_position) for c in removed] == [("removed", "删除", 2)]


def test_figures_compare_by_value():
    rewritten = [{**row, "quantity": str(int(float(row["quantity"]))) + ".00"} for row in BUDGET]
    assert not diff_rows("budget", BUDGET, rewritten).changes
    changed = diff_rows("budget", BUDGET, [{**BUDGET[0], "quantity": "2"}, *BUDGET[1:]]).changes
    assert [c.keys for c in changed] == [("quantity",)]


def test_an_explicit_row_key_wins_over_the_natural_key():
    old = [{"key": "a", "name": "服务人次", "unit": "人次", "target": "2000"}]
    new = [{"key": "a", "name": "服务总人次", "unit": "次", "target": "2000"}]
    assert [(c.kind, c.keys) for c in diff_rows("indicators", old, new).changes] == [("changed", ("name", "unit"))]


def test_field_labels_and_values_are_chinese():
    diff = diff_snapshots(snap(), snap(requested_amount="80000.00", domain="youth", government_funded="True"))
    assert [(f.label, f.old, f.new) for f in diff.fields] == [
        ("服务领域", str(DOMAINS["elderly"]), str(DOMAINS["youth"])),
        ("已获政府资金资助", "否", "是"), ("申请资助金额", "90000.00", "80000.00")]
    assert {str(DOMAINS["elderly"]), str(DOMAINS["youth"])}.isdisjoint({"elderly", "youth"})


@pytest.mark.django_db
def test_the_changes_page_shows_labels_and_only_the_edited_row(world, client):
    project = world.advance(world.draft(), State.SUBMITTED)
    services.return_for_revision(actor=world.officer, project_id=project.pk, comment="请调整预算")
    lines = list(reversed(budget("100000.00", "40000.00")))  # reordered, labor 40000 instead of 50000
    services.replace_budget(actor=world.member, project_id=project.pk, lines=lines)
    services.submit_project(actor=world.member, project_id=project.pk)
    client.force_login(world.officer)
    response = client.get(reverse("projects:changes", args=[project.pk]))
    body = response.content.decode()
    budget_changes = response.context["diff"].rows["budget"]
    assert [(c.kind, c.keys) for c in budget_changes] == [("changed", ("unit_price", "amount")),
                                                         ("changed", ("unit_price", "amount"))]
    assert {c.cells[1].new for c in budget_changes} == {"项目社工劳务费", "社区活动物资"}
    for code in ("requested_amount", "unit_price:", ">changed<", ">added<", ">labor<", ">grant<"):
        assert code not in body, code
    assert "单价" in body and "修改" in body and "人员经费" in body
