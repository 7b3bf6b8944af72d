import pytest
from django.core.exceptions import ValidationError

from core.bank import (
    account_no_errors,
    bank_code_errors,
    normalize_account_no,
    validate_account_no,
    validate_bank_code,
)


class TestBankCode:
    @pytest.mark.parametrize("code", ["102333000011", "313333000011", " 102333000011 ", ""])
    def test_twelve_ascii_digits_or_nothing(self, code):
        assert bank_code_errors(code) == []

    @pytest.mark.parametrize("code", [
        "１０２３３３００００１１",  # full-width digits
        "١٠٢٣٣٣٠٠٠٠١١",  # Arabic-Indic digits
        "۱۰۲۳۳۳۰۰۰۰۱۱",  # extended Arabic-Indic (Persian) digits
        "10233300001１",  # one full-width digit is enough
    ])
    def test_digits_that_isdigit_accepts_but_banks_do_not(self, code):
        assert code.strip().isdigit()  # the trap: str.isdigit() says yes
        assert bank_code_errors(code) == [
            f"联行号只能使用半角数字0-9，「{code}」中含有全角或其他文字的数字，请切换到半角输入后重新填写"
        ]

    @pytest.mark.parametrize("code, count", [("10233300001", 11), ("1023330000111", 13), ("1", 1)])
    def test_wrong_length(self, code, count):
        assert bank_code_errors(code) == [f"联行号应为12位数字，实际为{count}位"]

    @pytest.mark.parametrize("code", ["10233300001A", "102-33300001", "102 333000011", "²³³³³³³³³³³³"])
    def test_other_characters(self, code):
        problems = bank_code_errors(code)
        assert len(problems) == 1 and problems[0].startswith("联行号")

    def test_validator(self):
        validate_bank_code("102333000011")
        with pytest.raises(ValidationError):
            validate_bank_code("١٠٢٣٣٣٠٠٠٠١١")


class TestAccountNo:
    @pytest.mark.parametrize("raw, number", [
        ("6222021203000123456", "6222021203000123456"),
        ("6222 0212 0300 0123 456", "6222021203000123456"),
        ("6222-0212-0300-0123-456", "6222021203000123456"),
        ("6222\u30000212\u30000300", "622202120300"),  # full-width spaces
        ("6222－0212－0300", "622202120300"),  # full-width hyphen
        ("  12345678 ", "12345678"),
    ])
    def test_grouping_is_removed(self, raw, number):
        assert normalize_account_no(raw) == number
        assert account_no_errors(raw) == []

    def test_empty_is_left_to_the_caller(self):
        assert account_no_errors("") == [] and account_no_errors(None) == []

    def test_not_a_number(self):
        assert account_no_errors("abc-not-a-number") == [
            "银行账号只能由数字组成（可用空格或短横线分组），「abc-not-a-number」中含有其他字符"
        ]

    @pytest.mark.parametrize("raw", ["６２２２０２１２０３０００１２３４５６", "٦٢٢٢٠٢١٢٠٣٠٠٠١٢٣"])
    def test_non_ascii_digits(self, raw):
        assert account_no_errors(raw)[0].startswith("银行账号只能使用半角数字0-9")

    @pytest.mark.parametrize("raw, count", [("1234567", 7), ("001", 3), ("1" * 31, 31)])
    def test_length(self, raw, count):
        assert account_no_errors(raw) == [f"银行账号应为8至30位数字，实际为{count}位"]

    @pytest.mark.parametrize("raw", ["12345678", "1" * 30])
    def test_length_limits_pass(self, raw):
        assert account_no_errors(raw) == []

    def test_validator(self):
        validate_account_no("6222 0212 0300 0123 456")
        with pytest.raises(ValidationError):
            validate_account_no("abc-not-a-number")
