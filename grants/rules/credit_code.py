"""统一社会信用代码 (GB 32100-2015) checks.

The code identifies the applicant and the payee on bank lists, so typos must
be caught at entry with a message that says exactly which character is wrong.
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_EXCLUDED = "IOSVZ"

# Position 1 = "5" is a civil-affairs registration; position 2 says which kind.
_KINDS = {"1": "social_group", "2": "social_service", "3": "foundation"}


def normalize(raw: str | None) -> str:
    """Users paste codes with spaces and lower case; neither changes the code."""
    return "".join((raw or "").split()).upper()


def check_char(first17: str) -> str:
    """The 18th character for the given first 17 (already normalized)."""
    if len(first17) != LENGTH - 1 or any(ch not in _VALUES for ch in first17):
        raise ValueError(f"需要17位合法字符才能计算校验位：「{first17}」")
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def errors(raw: str | None) -> list[str]:
    """Every problem with the code, each naming the offending position."""
    code = normalize(raw)
    if not code:
        return ["统一社会信用代码不能为空"]
    problems: list[str] = []
    if len(code) != LENGTH:
        problems.append(f"统一社会信用代码应为18位，实际为{len(code)}位")
    bad = [f"第{i}位「{ch}」" for i, ch in enumerate(code, start=1) if ch not in _VALUES]
    if bad:
        problems.append(
            f"统一社会信用代码含有非法字符：{'、'.join(bad)}"
            f"（只能由数字和除 {'、'.join(_EXCLUDED)} 以外的大写字母组成）"
        )
    if not problems:
        expected = check_char(code[:17])
        if code[17] != expected:
            problems.append(f"统一社会信用代码校验位应为「{expected}」，实际为「{code[17]}」，请核对是否填错")
    return problems


def is_valid(raw: str | None) -> bool:
    return not errors(raw)


def registration_kind(code: str | None) -> str | None:
    """social_group / social_service / foundation for civil-affairs codes, else None.

    Reads positions only; callers validate the code separately.
    """
    code = normalize(code)
    if len(code) < 2 or code[0] != "5":
        return None
    return _KINDS.get(code[1])
