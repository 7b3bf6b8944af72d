from decimal import Decimal as D

from projects.performance import IndicatorFigure, Spend, indicator_completion, percent, performance


def test_percent_has_one_decimal_and_no_base_means_unknown():
    assert percent(D("1"), D("3")) == D("33.3")
    assert percent(D("2"), D("3")) == D("66.7")
    assert percent(D("50000.00"), D("100000.00")) == D("50.0")
    assert percent(D("5"), D("0")) is None
    assert percent(None, D("10")) is None


def test_indicator_ratio_and_met():
    served = IndicatorFigure("服务人次", "人次", D("2000"), D("2300"))
    events = IndicatorFigure("活动场次", "场", D("40"), D("30"))
    pending = IndicatorFigure("受益人数", "人", D("200"), None)
    assert served.ratio == D("115.0") and served.met
    assert events.ratio == D("75.0") and not events.met
    assert pending.ratio is None and not pending.met


def test_completion_caps_each_indicator_at_100_and_counts_unreported_as_zero():
    rows = [IndicatorFigure("a", "x", D("100"), D("150")), IndicatorFigure("b", "x", D("100"), D("50")),
            IndicatorFigure("c", "x", D("100"), None)]
    assert indicator_completion(rows) == D("50.0")  # (100 + 50 + 0) / 3
    assert indicator_completion([]) is None


def test_execution_rate_and_labor_share():
    p = performance(
        approved=D("100000.00"),
        indicators=[],
        spending=[
            Spend("labor", "grant", D("40000.00")),
            Spend("activity", "grant", D("35000.00")),
            Spend("labor", "cofund", D("10000.00")),
            Spend("activity", "cofund", D("15000.00")),
        ],
        receipts=3,
    )
    assert p.spent_total == D("100000.00")
    assert p.spent_grant == D("75000.00") and p.spent_cofund == D("25000.00")
    assert p.execution_rate == D("75.0")
    assert p.unspent == D("25000.00")
    assert p.labor_grant == D("40000.00")  # co-funded labor is not grant-paid labor
    assert p.labor_share == D("40.0")
    assert p.labor_of_approved == D("40.0")
    assert p.receipts == 3


def test_nothing_spent_yet():
    p = performance(approved=D("80000.00"), indicators=[], spending=[], receipts=0)
    assert p.execution_rate == D("0.0")
    assert p.labor_share is None
