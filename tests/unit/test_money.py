from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import (
    FEN,
    format_yuan,
    from_fen,
    money,
    percent_of,
    percent_of_display,
    quantize_fen,
    rmb_upper,
    to_fen,
)

D = Decimal


class TestMoneyParsing:
    @pytest.mark.parametrize(
        "raw, expected",
        [
            ("0", "0.00"),
            ("12", "12.00"),
            ("12.5", "12.50"),
            ("  1,234.56 ", "1234.56"),
            ("¥1,234,567.8", "1234567.80"),
            ("￥ 100", "100.00"),
            ("100元", "100.00"),
            ("￥1,000.00元", "1000.00"),
            ("１２３．４５", "123.45"),
            ("1.500", "1.50"),
            (".5", "0.50"),
            (7, "7.00"),
            (D("3.1"), "3.10"),
            (D("1E+2"), "100.00"),
        ],
    )
    def test_accepts(self, raw, expected):
        result = money(raw)
        assert result == D(expected)
        assert str(result) == expected

    def test_result_always_two_places(self):
        assert money(5).as_tuple().exponent == -2
        assert money("5").as_tuple().exponent == -2

    @pytest.mark.parametrize("raw", [1.5, 0.1, True, False])
    def test_rejects_float_and_bool(self, raw):
        with pytest.raises(TypeError):
            money(raw)

    def test_rejects_other_types(self):
        with pytest.raises(TypeError):
            money(None)  # type: ignore[arg-type]

    @pytest.mark.parametrize("raw", ["abc", "1.2.3", "12a", "1,2,3", "1,23", "--1", "1e3", "NaN", "Infinity", "1 000"])
    def test_rejects_non_numbers(self, raw):
        with pytest.raises(ValueError, match="金额格式不正确"):
            money(raw)

    def test_format_message_names_input(self):
        with pytest.raises(ValueError) as exc:
            money("12元五角")
        assert str(exc.value) == "金额格式不正确：「12元五角」"

    @pytest.mark.parametrize("raw", ["", "   ", "¥", "元"])
    def test_rejects_empty(self, raw):
        with pytest.raises(ValueError, match="金额不能为空"):
            money(raw)

    @pytest.mark.parametrize("raw", [D("NaN"), D("Infinity"), D("-Infinity")])
    def test_rejects_non_finite_decimal(self, raw):
        with pytest.raises(ValueError, match="有限"):
            money(raw)

    def test_rejects_sub_fen(self):
        with pytest.raises(ValueError) as exc:
            money("1.005")
        assert str(exc.value) == "金额最多保留两位小数（到分）：「1.005」"
        with pytest.raises(ValueError, match="两位小数"):
            money(D("0.001"))

    def test_negative(self):
        with pytest.raises(ValueError, match="不能为负数"):
            money("-5")
        assert money("-5", allow_negative=True) == D("-5.00")
        assert money("-¥1,000.5", allow_negative=True) == D("-1000.50")

    def test_negative_zero_normalized(self):
        result = money(D("-0"))
        assert result == 0 and not result.is_signed()

    def test_too_large(self):
        with pytest.raises(ValueError, match="金额过大"):
            money(D("1E+40"))


class TestFen:
    def test_quantize_half_up(self):
        assert quantize_fen(D("2.345")) == D("2.35")
        assert quantize_fen(D("2.335")) == D("2.34")
        assert quantize_fen(D("-2.345")) == D("-2.35")
        assert quantize_fen(D("2.344999")) == D("2.34")
        assert quantize_fen(3) == D("3.00")

    def test_quantize_rejects_float(self):
        with pytest.raises(TypeError):
            quantize_fen(2.5)  # type: ignore[arg-type]

    def test_to_and_from_fen(self):
        assert to_fen(D("1234.56")) == 123456
        assert to_fen(D("-0.01")) == -1
        assert to_fen(0) == 0
        assert from_fen(123456) == D("1234.56")
        assert str(from_fen(0)) == "0.00"
        assert str(from_fen(5)) == "0.05"

    def test_to_fen_rejects_sub_fen(self):
        with pytest.raises(ValueError):
            to_fen(D("0.005"))

    def test_from_fen_rejects_non_int(self):
        with pytest.raises(TypeError):
            from_fen(D("1"))  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            from_fen(True)

    @given(st.integers(min_value=-(10**15), max_value=10**15))
    def test_roundtrip(self, n):
        assert to_fen(from_fen(n)) == n


class TestFormatYuan:
    @pytest.mark.parametrize(
        "value, expected",
        [
            (D("1234567.8"), "1,234,567.80"),
            (D("0"), "0.00"),
            (D("-12"), "-12.00"),
            (D("999.995"), "1,000.00"),
            (D("100000.01"), "100,000.01"),
            (50000, "50,000.00"),
            (D("-0.00"), "0.00"),
        ],
    )
    def test_format(self, value, expected):
        assert format_yuan(value) == expected


# Rule 四 of 中国人民银行《正确填写票据和结算凭证的基本规定》 (支付结算办法 附件一): every worked example,
# in the form core.money's convention picks where rule 四(三) allows two (see OPTIONAL_ZERO_EXAMPLES).
REGULATION_EXAMPLES = [
    ("1409.50", "壹仟肆佰零玖元伍角"),  # 四(一)
    ("6007.14", "陆仟零柒元壹角肆分"),  # 四(二)
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),  # 四(三), first form
    ("107000.53", "壹拾万柒仟元零伍角叁分"),  # 四(三), first form
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),  # 四(四)
    ("325.04", "叁佰贰拾伍元零肆分"),  # 四(四)
]
# Rule 四(三): the zero at 万位 or 元位 before a non-zero 仟 or 角 may be written once or not at all.
OPTIONAL_ZERO_EXAMPLES = {
    "1680.32": ("壹仟陆佰捌拾元零叁角贰分", "壹仟陆佰捌拾元叁角贰分"),
    "107000.53": ("壹拾万柒仟元零伍角叁分", "壹拾万零柒仟元伍角叁分"),
}

UPPER_CASES = REGULATION_EXAMPLES + [
    # domain reference examples
    ("0", "零元整"),
    ("100000000", "壹亿元整"),
    # fractions only
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("0.01", "壹分"),
    ("0.55", "伍角伍分"),
    # 10–19 start with 壹拾
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("19.90", "壹拾玖元玖角"),
    ("110", "壹佰壹拾元整"),
    ("100010", "壹拾万零壹拾元整"),
    ("150000", "壹拾伍万元整"),
    # zeros inside collapse to one 零
    ("1001", "壹仟零壹元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1000001", "壹佰万零壹元整"),
    ("10000100", "壹仟万零壹佰元整"),
    ("100000001", "壹亿零壹元整"),
    ("100010000", "壹亿零壹万元整"),
    ("101000000", "壹亿零壹佰万元整"),
    ("1000000000", "壹拾亿元整"),
    ("1005000000", "壹拾亿零伍佰万元整"),
    # the optional 零 of 四(三): a zero run ending at 万位 (or 亿位) before a non-zero 仟 is left out …
    ("107000", "壹拾万柒仟元整"),
    ("10005000", "壹仟万伍仟元整"),
    ("1001000", "壹佰万壹仟元整"),
    ("100001000", "壹亿壹仟元整"),
    ("1010000000", "壹拾亿壹仟万元整"),
    # … and one ending at 元位 before a non-zero 角 is written
    ("10.50", "壹拾元零伍角"),
    ("1600.32", "壹仟陆佰元零叁角贰分"),
    ("10000.10", "壹万元零壹角"),
    ("50000.50", "伍万元零伍角"),
    ("107000.50", "壹拾万柒仟元零伍角"),
    # 角 zero, 分 non-zero
    ("100000000.01", "壹亿元零壹分"),
    ("1.01", "壹元零壹分"),
    ("10.01", "壹拾元零壹分"),
    ("1000.05", "壹仟元零伍分"),
    # 万 / 亿 boundaries
    ("9999.99", "玖仟玖佰玖拾玖元玖角玖分"),
    ("10000", "壹万元整"),
    ("99999999", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元整"),
    ("8750000", "捌佰柒拾伍万元整"),
    ("2200000000", "贰拾贰亿元整"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    # other everyday amounts
    ("1", "壹元整"),
    ("2.20", "贰元贰角"),
    ("30000.00", "叁万元整"),
    ("40000.01", "肆万元零壹分"),
    ("123456.78", "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
]


class TestRmbUpper:
    @pytest.mark.parametrize("value, expected", UPPER_CASES)
    def test_cases(self, value, expected):
        assert rmb_upper(D(value)) == expected

    def test_case_count(self):
        assert len(UPPER_CASES) >= 30

    @pytest.mark.parametrize("value", sorted(OPTIONAL_ZERO_EXAMPLES))
    def test_optional_zero_is_one_of_the_forms_the_rule_allows(self, value):
        assert rmb_upper(D(value)) in OPTIONAL_ZERO_EXAMPLES[value]

    def test_never_both_optional_zeros(self):
        assert rmb_upper(D("107000.53")) != "壹拾万零柒仟元零伍角叁分"

    def test_accepts_int_and_str(self):
        assert rmb_upper(15) == "壹拾伍元整"
        assert rmb_upper("¥1,409.50") == "壹仟肆佰零玖元伍角"

    def test_negative(self):
        assert rmb_upper(D("-100")) == "负壹佰元整"
        assert rmb_upper(D("-0.05")) == "负伍分"

    def test_limits(self):
        with pytest.raises(ValueError, match="超出大写支持范围"):
            rmb_upper(D("1000000000000"))
        with pytest.raises(ValueError, match="两位小数"):
            rmb_upper(D("1.001"))
        with pytest.raises(TypeError):
            rmb_upper(1.5)  # type: ignore[arg-type]

    @given(st.integers(min_value=1, max_value=99999999999999))
    def test_shape(self, fen):
        text = rmb_upper(from_fen(fen))
        assert "零零" not in text
        assert not text.endswith("零")
        assert "零元" not in text and "零万" not in text and "零亿" not in text
        # the optional 零 of rule 四(三) at 万/亿 is never written
        assert not any(f"{unit}零{digit}仟" in text for unit in "万亿" for digit in "壹贰叁肆伍陆柒捌玖")
        assert text.endswith(("整", "角", "分"))
        assert text.endswith("整") == (fen % 100 == 0)
        # 壹拾 is never shortened to a bare leading 拾
        assert not text.startswith("拾")


class TestPercent:
    def test_exact(self):
        assert percent_of(D("100000.01"), D("50")) == D("50000.005")
        assert percent_of(D("100000.00"), 50) == D("50000")
        assert percent_of("200", "33.33") == D("66.66")

    def test_display_rounds_down(self):
        assert percent_of_display(D("100000.01"), D("50")) == D("50000.00")
        assert percent_of_display(D("0.03"), D("50")) == D("0.01")
        assert percent_of_display(D("100"), D("50")).as_tuple().exponent == -2

    def test_rejects_float(self):
        with pytest.raises(TypeError):
            percent_of(D("1"), 0.5)  # type: ignore[arg-type]

    def test_fen_constant(self):
        assert D("0.01") == FEN


def test_money_refuses_amounts_no_column_can_hold():
    from core.money import money

    assert money("999999999999.99") == D("999999999999.99")
    with pytest.raises(ValueError, match="金额过大"):
        money("1000000000000")
