"""The forbidden-expense rule: a round setting (seeded from grants.defaults), matched on the words of a line."""
from decimal import Decimal

import pytest

from core.problems import messages
from grants.defaults import DEFAULT_FORBIDDEN_EXPENSES, default_forbidden_expenses
from grants.rules.budget import (
    BudgetLine,
    ForbiddenUse,
    forbidden_rules_hit,
    forbidden_setting_errors,
    forbidden_use_issues,
    forbidden_uses,
)

SEEDED = forbidden_uses(default_forbidden_expenses())


@pytest.mark.parametrize("item, rule", [
    ("出国考察费", "因公出国（境）"),
    ("接待餐费", "公务接待"),
    ("滞纳金", "罚款、滞纳金"),
    ("归还借款", "偿还债务"),
    ("购买理财产品", "对外投资"),
    ("盈利活动", "营利活动"),
    ("慰问金（现金）", "向服务对象发放现金"),
    ("慰问金(现金)", "向服务对象发放现金"),  # half-width brackets from another input method
    ("慰问金 （现金）", "向服务对象发放现金"),
    ("公务用车 加油费", "公务用车"),
])
def test_the_issues_cases_are_caught_and_named_by_their_rule(item, rule):
    assert forbidden_rules_hit(item, SEEDED) == [rule]


@pytest.mark.parametrize("item", [
    "非营利组织能力建设培训",
    "机构现金流规划培训",
    "非盈利活动宣传",
    "非经营性场地租用",
    "志愿者购车票往返",
    "退还款项手续费",
    "老人慰问品（米面油）",
    "社工劳务费",
    "境内交流学习交通费",
])
def test_harmless_lines_are_not_caught(item):
    assert forbidden_rules_hit(item, SEEDED) == []


def test_the_message_names_the_line_and_the_rule_and_only_grant_lines_count():
    lines = [
        BudgetLine("activity", "社区活动物料", Decimal("100"), "grant"),
        BudgetLine("travel", "出国考察费", Decimal("100"), "grant"),
        BudgetLine("other", "接待餐费", Decimal("100"), "cofund"),  # the organization's own money
    ]
    assert messages(forbidden_use_issues(lines, SEEDED)) == ["第2行「出国考察费」属于「因公出国（境）」，不得使用资助资金支付"]
    assert messages(forbidden_use_issues(lines, SEEDED, prefix="支出")) == [
        "支出第2行「出国考察费」属于「因公出国（境）」，不得使用资助资金支付"
    ]


def test_a_line_breaking_two_rules_names_both_once():
    hits = forbidden_rules_hit("出国考察期间宴请及罚款", SEEDED)
    assert hits == ["因公出国（境）", "公务接待", "罚款、滞纳金"]


def test_the_default_is_a_fresh_copy_each_time():
    first = default_forbidden_expenses()
    first[0]["keywords"].append("x")
    assert "x" not in DEFAULT_FORBIDDEN_EXPENSES[0]["keywords"]
    assert forbidden_setting_errors(default_forbidden_expenses()) == []


@pytest.mark.parametrize("setting, problems", [
    ([], []),
    ([{"rule": "礼品", "keywords": ["礼品卡"]}], []),
    ("礼品卡", ["不得支出的用途应为列表，每项包含用途名称（rule）和关键词（keywords）"]),
    (["礼品卡"], ["第1项应包含用途名称（rule）和关键词（keywords）"]),
    ([{"rule": " ", "keywords": ["礼品卡"]}], ["第1项缺少用途名称"]),
    ([{"rule": "礼品", "keywords": []}], ["第1项「礼品」至少需要一个关键词"]),
    ([{"rule": "礼品"}], ["第1项「礼品」至少需要一个关键词"]),
    ([{"rule": "礼品", "keywords": ["礼品卡", "  "]}], ["第1项「礼品」的关键词不能为空"]),
    ([{"rule": "礼品", "keywords": ["礼品卡"]}, {"rule": "礼品", "keywords": ["购物卡"]}], ["第2项「礼品」与前面的用途重名"]),
])
def test_the_setting_is_checked(setting, problems):
    assert forbidden_setting_errors(setting) == problems


def test_unusable_entries_are_skipped_not_guessed():
    assert forbidden_uses([{"rule": "礼品", "keywords": ["礼品卡", ""]}, {"rule": "", "keywords": ["x"]}, "y"]) == (
        ForbiddenUse("礼品", ("礼品卡",)),
    )
    assert forbidden_uses(None) == ()
