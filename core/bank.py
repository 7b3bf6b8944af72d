"""Bank details of a payee: 联行号 and account number.

Both go straight into the bank's batch-transfer file, where a bank tool reading bytes sees a
full-width "１" or an Arabic-Indic "١" as garbage, not a digit. Python's str.isdigit() and a
regular expression's \\d accept both, so every check here names the ASCII digits 0-9 explicitly.
"""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError

BANK_CODE_LENGTH = 12
ACCOUNT_MIN_DIGITS = 8
ACCOUNT_MAX_DIGITS = 30

_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)
# People copy account numbers grouped in fours, with a space (often a full-width one from a Chinese
# input method) or a dash; the grouping is not part of the number.
_ACCOUNT_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\uff0d]+")


def _is_ascii_digits(text: str) -> bool:
    return bool(_ASCII_DIGITS.fullmatch(text))


def _non_ascii_digits(text: str) -> list[str]:
    return [ch for ch in text if ch.isdigit() and not ("0" <= ch <= "9")]


def bank_code_errors(raw: str | None) -> list[str]:
    """Problems with a 联行号 (the 12-digit CNAPS bank code); [] when it is fine or empty.

    Empty is the caller's business: a filed community organization has no account of its own.
    """
    code = (raw or "").strip()
    if not code:
        return []
    if _non_ascii_digits(code):
        return [f"联行号只能使用半角数字0-9，「{code}」中含有全角或其他文字的数字，请切换到半角输入后重新填写"]
    if not _is_ascii_digits(code):
        return [f"联行号只能由数字组成，「{code}」中含有其他字符"]
    if len(code) != BANK_CODE_LENGTH:
        return [f"联行号应为{BANK_CODE_LENGTH}位数字，实际为{len(code)}位"]
    return []


def normalize_account_no(raw: str | None) -> str:
    """The account number as the bank file wants it: grouping spaces and dashes removed."""
    return _ACCOUNT_SEPARATORS.sub("", (raw or "").strip())


def account_no_errors(raw: str | None) -> list[str]:
    """Problems with a bank account number (账号); [] when it is fine or empty.

    Spaces and dashes between digit groups are allowed (they are removed when stored); what is
    left must be 8 to 30 ASCII digits.
    """
    number = normalize_account_no(raw)
    if not number:
        return []
    if _non_ascii_digits(number):
        return [f"银行账号只能使用半角数字0-9，「{raw}」中含有全角或其他文字的数字，请切换到半角输入后重新填写"]
    if not _is_ascii_digits(number):
        return [f"银行账号只能由数字组成（可用空格或短横线分组），「{raw}」中含有其他字符"]
    if not ACCOUNT_MIN_DIGITS <= len(number) <= ACCOUNT_MAX_DIGITS:
        return [f"银行账号应为{ACCOUNT_MIN_DIGITS}至{ACCOUNT_MAX_DIGITS}位数字，实际为{len(number)}位"]
    return []


def validate_bank_code(value: str) -> None:
    """Model and form field validator for 联行号."""
    problems = bank_code_errors(value)
    if problems:
        raise ValidationError(problems)


def validate_account_no(value: str) -> None:
    """Model and form field validator for 账号."""
    problems = account_no_errors(value)
    if problems:
        raise ValidationError(problems)
