from decimal import Decimal

import pytest

from grants.defaults import default_forbidden_expenses
from grants.rules.budget import (
    CATEGORIES,
    DEFAULT_CAPS,
    SOURCES,
    BudgetLine,
    CapRule,
    ForbiddenUse,
    budget_problems,
    cap_problems,
    forbidden_uses,
    labor_share,
    line_amount,
    totals,
)

D = Decimal
GRANT = D("100000.00")
SEEDED = forbidden_uses(default_forbidden_expenses())


def line(category, amount, source="grant", item="项目支出"):
    return BudgetLine(category=category, item=item, amount=D(amount), source=source)


def budget(labor="50000.00", activity="50000.00"):
    return [line("labor", labor, item="社工劳务费"), line("activity", activity, item="社区活动物料")]


def test_constants():
    assert list(CATEGORIES) == ["labor", "activity", "publicity", "training", "travel", "office", "management", "other"]
    assert CATEGORIES["labor"] == "人员经费/劳务费"
    assert SOURCES == {"grant": "资助资金", "cofund": "配套资金"}
    assert (CapRule("labor", "pct_grant", D("50")),) == DEFAULT_CAPS


class TestLineAmount:
    def test_rounds_half_up(self):
        assert line_amount(D("33.33"), 3) == D("99.99")
        assert line_amount(D("0.05"), D("1.5")) == D("0.08")  # 0.075
        assert line_amount(D("200"), D("2.5")) == D("500.00")

    def test_rejects_float(self):
        with pytest.raises(TypeError):
            line_amount(1.5, 2)  # type: ignore[arg-type]


def test_totals():
    lines = [*budget(), line("labor", "2000", "cofund"), line("other", "10", "grant")]
    result = totals(lines)
    assert result["by_category"]["labor"] == D("52000.00")
    assert result["grant_by_category"]["labor"] == D("50000.00")
    assert result["by_category"]["travel"] == D("0.00")
    assert result["by_source"] == {"grant": D("100010.00"), "cofund": D("2000.00")}
    assert result["total"] == D("102010.00")


class TestLaborCap:
    def test_exactly_half_passes(self):
        assert cap_problems(budget(), DEFAULT_CAPS, GRANT) == []

    def test_one_fen_more_fails_with_both_amounts(self):
        problems = cap_problems(budget("50000.01", "49999.99"), DEFAULT_CAPS, GRANT)
        assert problems == [
            "人员经费/劳务费（资助资金支付）合计 50,000.01 元，超过上限 50,000.00 元（资助金额 100,000.00 元的 50%）"
        ]

    def test_odd_grant_compared_exactly(self):
        # 50% of 100,000.01 is 50,000.005: 50,000.00 passes, 50,000.01 fails
        grant = D("100000.01")
        assert cap_problems([line("labor", "50000.00")], DEFAULT_CAPS, grant) == []
        problems = cap_problems([line("labor", "50000.01")], DEFAULT_CAPS, grant)
        assert problems == [
            "人员经费/劳务费（资助资金支付）合计 50,000.01 元，超过上限 50,000.00 元（资助金额 100,000.01 元的 50%）"
        ]

    def test_cofunded_labor_ignored(self):
        lines = [*budget(), line("labor", "80000", "cofund", "机构自筹人员工资")]
        assert cap_problems(lines, DEFAULT_CAPS, GRANT) == []

    def test_approved_amount_below_request_breaks_cap(self):
        assert cap_problems(budget(), DEFAULT_CAPS, D("90000.00")) == [
            "人员经费/劳务费（资助资金支付）合计 50,000.00 元，超过上限 45,000.00 元（资助金额 90,000.00 元的 50%）"
        ]


class TestOtherCaps:
    def test_pct_total_counts_all_lines_as_base(self):
        cap = CapRule("management", "pct_total", D("5"))
        lines = [line("activity", "95000"), line("management", "5000"), line("other", "10000", "cofund")]
        assert cap_problems(lines, [cap], GRANT) == []  # base is 110,000 → limit 5,500
        lines = [line("activity", "94000"), line("management", "6000")]
        assert cap_problems(lines, [cap], GRANT) == [
            "管理费（资助资金支付）合计 6,000.00 元，超过上限 5,000.00 元（预算总额 100,000.00 元的 5%）"
        ]

    def test_fixed(self):
        cap = CapRule("travel", "fixed", D("3000"))
        assert cap_problems([line("travel", "3000.00")], [cap], GRANT) == []
        assert cap_problems([line("travel", "3000.01")], [cap], GRANT) == [
            "交通差旅费（资助资金支付）合计 3,000.01 元，超过上限 3,000.00 元（固定限额）"
        ]

    def test_forbidden(self):
        cap = CapRule("office", "forbidden", None)
        assert cap_problems([line("office", "500", "cofund")], [cap], GRANT) == []
        assert cap_problems([line("office", "500")], [cap], GRANT) == ["办公费不得使用资助资金支付，当前资助资金支付 500.00 元"]

    def test_fractional_percent_label(self):
        cap = CapRule("publicity", "pct_grant", D("12.5"))
        assert cap_problems([line("publicity", "12500.01")], [cap], GRANT) == [
            "宣传印刷费（资助资金支付）合计 12,500.01 元，超过上限 12,500.00 元（资助金额 100,000.00 元的 12.5%）"
        ]

    def test_cap_rule_validation(self):
        with pytest.raises(ValueError):
            CapRule("labor", "pct_everything", D("1"))
        with pytest.raises(ValueError):
            CapRule("labor", "fixed", None)


class TestBudgetProblems:
    def check(self, lines, **kwargs):
        kwargs.setdefault("caps", DEFAULT_CAPS)
        kwargs.setdefault("grant_amount", GRANT)
        kwargs.setdefault("forbidden", SEEDED)
        return budget_problems(lines, **kwargs)

    def test_valid_budget(self):
        assert self.check(budget()) == []

    def test_no_lines(self):
        assert self.check([]) == ["预算明细为空，请至少填写一条预算"]

    def test_non_positive_amount(self):
        problems = self.check([*budget(), line("other", "0", "cofund", "备用")])
        assert problems == ["第3行「备用」金额必须大于0，当前为 0.00 元"]

    def test_sub_fen_amount(self):
        problems = self.check([*budget(), line("other", "0.005", "cofund", "零头")])
        assert problems == ["第3行「零头」金额最多保留两位小数（到分）：0.005"]

    def test_unknown_category_and_source(self):
        problems = self.check([*budget(), line("party", "10", "loan", "聚餐")], require_grant_total_equal=False)
        assert problems == ["第3行「聚餐」的预算科目「party」无效", "第3行「聚餐」的资金来源「loan」无效，应为资助资金或配套资金"]

    def test_forbidden_keyword_on_grant_line(self):
        lines = [line("labor", "50000"), line("activity", "49000"), line("other", "1000", item="公务接待餐费及罚款")]
        assert self.check(lines) == ["第3行「公务接待餐费及罚款」属于「公务接待」、「罚款、滞纳金」，不得使用资助资金支付"]

    def test_forbidden_keyword_on_cofund_line_allowed(self):
        assert self.check([*budget(), line("other", "1000", "cofund", "公务用车油费")]) == []

    def test_non_profit_is_not_profit(self):
        lines = [line("labor", "50000"), line("training", "50000", item="非营利组织能力建设培训")]
        assert self.check(lines) == []
        lines = [line("labor", "50000"), line("training", "50000", item="非营利组织开展营利活动")]
        assert self.check(lines) == ["第2行「非营利组织开展营利活动」属于「营利活动」，不得使用资助资金支付"]

    def test_custom_keywords(self):
        lines = [line("labor", "50000"), line("activity", "50000", item="购买礼品卡")]
        gifts = (ForbiddenUse("购买礼品", ("礼品卡",)),)
        assert self.check(lines, forbidden=gifts) == ["第2行「购买礼品卡」属于「购买礼品」，不得使用资助资金支付"]
        assert self.check(lines, forbidden=()) == []

    def test_grant_total_mismatch(self):
        assert self.check(budget(activity="40000")) == ["资助资金预算合计 90,000.00 元，与申请/核定资助金额 100,000.00 元不一致"]
        assert self.check(budget(activity="40000"), require_grant_total_equal=False) == []

    def test_cofunding_minimum(self):
        lines = [*budget(), line("activity", "9999.99", "cofund", "机构自筹")]
        assert self.check(lines, cofunding_min_percent=D("10")) == [
            "配套资金合计 9,999.99 元，低于要求的 10,000.00 元（资助金额 100,000.00 元的 10%）"
        ]
        lines = [*budget(), line("activity", "10000", "cofund", "机构自筹")]
        assert self.check(lines, cofunding_min_percent=D("10")) == []

    def test_all_reasons_at_once(self):
        lines = [
            line("labor", "60000", item="社工劳务费"),
            line("travel", "-5", item="退款"),
            line("other", "100", item="发放现金给服务对象"),
        ]
        problems = self.check(lines, cofunding_min_percent=D("5"))
        assert problems == [
            "第2行「退款」金额必须大于0，当前为 -5.00 元",
            "第3行「发放现金给服务对象」属于「向服务对象发放现金」，不得使用资助资金支付",
            "资助资金预算合计 60,095.00 元，与申请/核定资助金额 100,000.00 元不一致",
            "配套资金合计 0.00 元，低于要求的 5,000.00 元（资助金额 100,000.00 元的 5%）",
            "人员经费/劳务费（资助资金支付）合计 60,000.00 元，超过上限 50,000.00 元（资助金额 100,000.00 元的 50%）",
        ]


class TestLaborShare:
    def test_share(self):
        assert labor_share(budget(), GRANT) == D("50.00")
        assert labor_share([line("labor", "33333.33")], GRANT) == D("33.34")
        assert labor_share([line("labor", "500", "cofund")], GRANT) == D("0.00")

    def test_one_fen_over_never_shows_as_cap(self):
        assert labor_share([line("labor", "50000.01")], GRANT) == D("50.01")

    def test_zero_grant(self):
        with pytest.raises(ValueError):
            labor_share(budget(), D("0"))
