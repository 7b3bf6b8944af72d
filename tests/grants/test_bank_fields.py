"""The organization's bank fields refuse what a bank file cannot carry (core.bank)."""
import pytest
from django.core.exceptions import ValidationError

from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as invalid:
        instance.full_clean()
    return invalid.value.message_dict


@pytest.mark.parametrize("code", ["１０２３３３００００１１", "١٠٢٣٣٣٠٠٠٠١١"])
def test_a_bank_code_in_full_width_or_arabic_indic_digits_is_refused(code):
    problems = errors_of(OrganizationFactory.build(bank_code=code))
    assert problems["bank_code"] == [
        f"联行号只能使用半角数字0-9，「{code}」中含有全角或其他文字的数字，请切换到半角输入后重新填写"
    ]


def test_a_short_bank_code_is_refused():
    assert errors_of(OrganizationFactory.build(bank_code="10233300001"))["bank_code"] == ["联行号应为12位数字，实际为11位"]


def test_an_account_number_that_is_not_one_is_refused():
    problems = errors_of(OrganizationFactory.build(bank_account_no="abc-not-a-number"))
    assert problems["bank_account_no"] == ["银行账号只能由数字组成（可用空格或短横线分组），「abc-not-a-number」中含有其他字符"]


def test_grouped_account_numbers_and_empty_bank_fields_pass():
    OrganizationFactory.build(bank_account_no="6222 0212 0300 0123 456").full_clean()
    OrganizationFactory.build(bank_account_no="", bank_code="").full_clean()
