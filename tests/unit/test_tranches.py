from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.rules.tranches import TRIGGERS, split_amount, template_errors

D = Decimal


def item(name="首期", percent="40", trigger="signing"):
    return {"name": name, "percent": percent, "trigger": trigger}


class TestTemplateErrors:
    def test_default_like_template_ok(self):
        template = [item("首期", "40"), item("二期", "40", "midterm_passed"), item("尾款", "20", "final_passed")]
        assert template_errors(template) == []

    def test_thirds_ok(self):
        template = [item("一", "33.33"), item("二", "33.33", "midterm_passed"), item("三", "33.34", "final_passed")]
        assert template_errors(template) == []

    def test_decimal_and_percent_sign_accepted(self):
        assert template_errors([item(percent=D("60")), item("尾款", "40%", "final_passed")]) == []

    def test_empty(self):
        assert template_errors([]) == ["分期拨付模板不能为空，至少需要一期"]

    def test_sum_not_100(self):
        errors = template_errors([item(percent="50"), item("尾款", "40", "final_passed")])
        assert errors == ["各期比例合计为 90.00%，必须等于 100%"]

    def test_blank_name(self):
        errors = template_errors([item(name="  ", percent="100")])
        assert errors == ["第1期名称不能为空"]

    def test_not_a_number(self):
        errors = template_errors([item(percent="四十"), item("尾款", "60", "final_passed")])
        assert errors == ["第1期「首期」比例「四十」不是有效数字"]  # no misleading sum message

    def test_float_is_not_accepted(self):
        errors = template_errors([item(percent=100.0)])
        assert errors == ["第1期「首期」比例「100.0」不是有效数字"]

    def test_zero_negative_over_100(self):
        errors = template_errors([item(percent="0"), item("二期", "-10", "midterm_passed"), item("尾款", "110", "final_passed")])
        assert "第1期「首期」比例必须大于0，当前为 0.00%" in errors
        assert "第2期「二期」比例必须大于0，当前为 -10.00%" in errors
        assert "第3期「尾款」比例不能超过100%，当前为 110.00%" in errors
        assert len(errors) == 3  # 0 - 10 + 110 = 100

    def test_too_many_decimals(self):
        errors = template_errors([item(percent="33.333"), item("尾款", "66.667", "final_passed")])
        assert errors == [
            "第1期「首期」比例最多保留两位小数，当前为「33.333」",
            "第2期「尾款」比例最多保留两位小数，当前为「66.667」",
        ]

    def test_unknown_trigger(self):
        errors = template_errors([item(percent="100", trigger="paid")])
        assert errors == ["第1期「首期」拨付条件「paid」无效，应为：签订协议后、中期评估合格后、结项评估合格后"]

    def test_all_reasons_at_once(self):
        errors = template_errors([{"name": "", "percent": "x", "trigger": None}, "oops", item(percent="0.001")])
        assert errors == [
            "第1期名称不能为空",
            "第1期比例「x」不是有效数字",
            "第1期拨付条件「」无效，应为：签订协议后、中期评估合格后、结项评估合格后",
            "第2期格式不正确",
            "第3期「首期」比例最多保留两位小数，当前为「0.001」",
        ]

    def test_triggers(self):
        assert TRIGGERS == {"signing": "签订协议后", "midterm_passed": "中期评估合格后", "final_passed": "结项评估合格后"}


class TestSplitAmount:
    def test_awkward_total(self):
        assert split_amount(D("100000.01"), [D(30), D(40), D(30)]) == [D("30000.00"), D("40000.00"), D("30000.01")]

    def test_half_up(self):
        # 0.05 × 30% = 1.5 fen → 2 fen
        assert split_amount(D("0.05"), [D(30), D(70)]) == [D("0.02"), D("0.03")]

    def test_one_fen(self):
        assert split_amount(D("0.01"), [D(30), D(40), D(30)]) == [D("0.00"), D("0.00"), D("0.01")]
        assert split_amount(D("0.01"), [D(50), D(50)]) == [D("0.01"), D("0.00")]

    def test_thirds(self):
        parts = split_amount(D("100000.00"), [D("33.33"), D("33.33"), D("33.34")])
        assert parts == [D("33330.00"), D("33330.00"), D("33340.00")]
        parts = split_amount(D("10.00"), [D("33.33"), D("33.33"), D("33.34")])
        assert parts == [D("3.33"), D("3.33"), D("3.34")]

    def test_single_tranche(self):
        assert split_amount(D("123.45"), [D(100)]) == [D("123.45")]

    def test_zero_total(self):
        assert split_amount(D("0"), [D(40), D(60)]) == [D("0.00"), D("0.00")]

    def test_parts_have_two_places(self):
        assert all(p.as_tuple().exponent == -2 for p in split_amount(D("7"), [D(40), D(60)]))

    def test_percents_must_sum_to_100(self):
        with pytest.raises(ValueError, match="合计为 90.00%"):
            split_amount(D("100"), [D(50), D(40)])
        with pytest.raises(ValueError):
            split_amount(D("100"), [])

    def test_negative_part_rejected(self):
        # five parts of 0.5001 fen each round up to 1 fen, leaving -2 fen for the last
        with pytest.raises(ValueError, match="第6期为负数"):
            split_amount(D("0.03"), [D("16.67")] * 5 + [D("16.65")])

    def test_rejects_bad_total_and_float(self):
        with pytest.raises(ValueError):
            split_amount(D("-1"), [D(100)])
        with pytest.raises(ValueError):
            split_amount(D("1.001"), [D(100)])
        with pytest.raises(TypeError):
            split_amount(D("1"), [100.0])  # type: ignore[list-item]

    @given(
        fen=st.integers(min_value=0, max_value=10**13),
        cuts=st.lists(st.integers(min_value=1, max_value=9999), min_size=0, max_size=6, unique=True),
    )
    def test_parts_always_sum_to_total(self, fen, cuts):
        # percents in hundredths that are positive and sum to exactly 100.00
        points = sorted(cuts) + [10000]
        percents = [D(b - a).scaleb(-2) for a, b in zip([0] + points[:-1], points, strict=True)]
        total = D(fen).scaleb(-2)
        try:
            parts = split_amount(total, percents)
        except ValueError:
            # rounding can push at most 6 × 0.5 fen onto the last share (≥ 0.01% of total)
            assert fen < 30000
            return
        assert sum(parts) == total
        assert len(parts) == len(percents)
        assert all(p >= 0 and p.as_tuple().exponent == -2 for p in parts)

    @given(
        fen=st.integers(min_value=100000, max_value=10**13),
        cuts=st.lists(st.integers(min_value=1, max_value=99), min_size=0, max_size=6, unique=True),
    )
    def test_whole_percents_on_real_amounts_never_fail(self, fen, cuts):
        points = sorted(cuts) + [100]
        percents = [D(b - a) for a, b in zip([0] + points[:-1], points, strict=True)]
        parts = split_amount(D(fen).scaleb(-2), percents)
        assert sum(parts) == D(fen).scaleb(-2)
        for part, pct in zip(parts[:-1], percents[:-1], strict=True):
            assert abs(part - D(fen).scaleb(-2) * pct / 100) <= D("0.005")
