"""Money as exact yuan-and-fen Decimals.

Grant amounts end up on bank transfer lists and signed agreements, so a value
is either exact to the fen or rejected; nothing here ever touches a float, and
nothing rounds silently except where a function's name says it does.
Pure Python on purpose: models, services, exports and unit tests all share it.

人民币大写 (rmb_upper) follows 中国人民银行《正确填写票据和结算凭证的基本规定》 rule 四. Where rule
四(三) leaves the 零 free ("万位、元位也是0，但千位、角位不是0时，中文大写金额中可以只写一个零字，也可以不写
零字"), one convention holds everywhere: the form the rule lists first. 零 is written after 元 before a
non-zero 角 (1680.32 → 壹仟陆佰捌拾元零叁角贰分) and not after 万 (or 亿) before a non-zero 仟
(107000.53 → 壹拾万柒仟元零伍角叁分), so an amount never carries both optional 零 (the rule's examples write one or none).
"""
from __future__ import annotations

import re
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from core.errors import DomainError

FEN = Decimal("0.01")
#: 9999亿 and change: the largest amount rmb_upper can spell (亿 is the top unit).
MAX_UPPER = Decimal("999999999999.99")

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_SECTION_UNITS = {4: "万", 8: "亿"}
# Full-width characters come from Chinese input methods; accept them like ASCII.
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_SPACE = re.compile(r"\s")

Number = Decimal | int | str


class MoneyError(DomainError, ValueError):
    """An amount typed by a person is not one: a domain error (shown in Chinese, never a 500) that is
    still a ValueError for the callers that catch it as one."""


def _reject_binary(value: object) -> None:
    # bool is an int subclass and float is inexact; both are always caller bugs.
    if isinstance(value, (bool, float)):
        raise TypeError(f"金额不能使用 {type(value).__name__} 类型，请使用 Decimal、int 或 str")


def _figure(text: str, raw: str, what: str) -> Decimal:
    """The one rule for a typed figure, shared with the browser preview (static/js/numbers.js, tested on
    the same cases: tests/fixtures/number_cases.json): ASCII or full-width digits, an optional sign, at
    most one decimal point, thousands grouped by commas only when every group has three digits; no
    spaces inside ("12 000" may be two figures pasted together), no exponent ("1e12")."""
    if not text:
        raise MoneyError(f"{what}不能为空")
    if _SPACE.search(text):
        raise MoneyError(f"{what}格式不正确（中间不能有空格）：「{raw.strip()}」")
    if "," in text:
        # Only real thousands grouping: "1,2,3" is more likely a typo than 123.
        if not _GROUPED.fullmatch(text):
            raise MoneyError(f"{what}格式不正确：「{raw.strip()}」")
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise MoneyError(f"{what}格式不正确：「{raw.strip()}」")
    return Decimal(text)


def parse_figure(raw: str, *, what: str = "数字") -> Decimal:
    """A quantity, a target or any figure typed by a person (no currency signs), parsed by the rule
    amounts follow; at most two decimals. Raises MoneyError (a ValueError) with the reason."""
    if not isinstance(raw, str):
        raise TypeError("parse_figure 只接受 str")
    value = _figure(raw.translate(_FULLWIDTH).strip(), raw, what)
    try:
        rounded = value.quantize(FEN)
    except InvalidOperation:  # more digits than any column holds
        raise MoneyError(f"{what}过大：「{raw.strip()[:30]}」") from None
    if value != rounded:
        raise MoneyError(f"{what}最多保留两位小数：「{raw.strip()}」")
    return value


def _parse_text(raw: str) -> Decimal:
    text = raw.translate(_FULLWIDTH).strip()
    if text.endswith("元"):
        text = text[:-1].rstrip()
    sign = ""
    if text[:1] in "+-" and text[1:2] in ("¥", "￥"):
        sign, text = text[0], text[1:]
    if text[:1] in ("¥", "￥"):
        text = text[1:].lstrip()
    return _figure(sign + text, raw, "金额")


def money(value: Number, *, allow_negative: bool = False, bounded: bool = True) -> Decimal:
    """Parse user or stored input into an exact fen Decimal.

    Refuses (rather than rounds) more than two decimals: a sub-fen amount in
    a budget or a payment is always a data error someone has to look at.
    """
    _reject_binary(value)
    shown = value
    if isinstance(value, str):
        shown = value.strip()
        amount = _parse_text(value)
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    else:
        raise TypeError(f"金额不能使用 {type(value).__name__} 类型，请使用 Decimal、int 或 str")
    if not amount.is_finite():
        raise MoneyError(f"金额必须是有限的数字：「{shown}」")
    try:
        fen = amount.quantize(FEN)
    except InvalidOperation:
        raise MoneyError(f"金额过大：「{shown}」") from None
    if fen != amount:
        raise MoneyError(f"金额最多保留两位小数（到分）：「{shown}」")
    if fen < 0 and not allow_negative:
        raise MoneyError(f"金额不能为负数：「{shown}」")
    if bounded and abs(fen) > MAX_UPPER:
        # Every money column holds 14 digits (up to 9999亿): refuse here, not as a database error.
        raise MoneyError(f"金额过大：「{shown}」，最多 {format_yuan(MAX_UPPER)} 元")
    return fen + 0 if fen == 0 else fen  # "+ 0" turns -0.00 into 0.00


def quantize_fen(d: Decimal) -> Decimal:
    """Round half up to the fen: the rounding Chinese finance staff expect (四舍五入)."""
    _reject_binary(d)
    if not isinstance(d, (Decimal, int)):
        raise TypeError("quantize_fen 只接受 Decimal 或 int")
    result = Decimal(d).quantize(FEN, rounding=ROUND_HALF_UP)
    return result + 0 if result == 0 else result


def to_fen(d: Decimal | int) -> int:
    """Integer fen for arithmetic that must not drift; rejects sub-fen values."""
    return int(money(d, allow_negative=True, bounded=False).scaleb(2))


def from_fen(n: int) -> Decimal:
    """Inverse of to_fen."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("from_fen 只接受 int（以分为单位）")
    return Decimal(n).scaleb(-2).quantize(FEN)


def format_yuan(d: Decimal | int) -> str:
    """Display form used in every message and export: "1,234,567.80"."""
    return f"{quantize_fen(d):,.2f}"


def _integer_digits(n: int) -> list[tuple[int, int]]:
    text = str(n)
    return [(int(ch), len(text) - 1 - i) for i, ch in enumerate(text)]


def _integer_upper(integer: int) -> tuple[str, bool]:
    """The yuan part without 元, and whether it ends in a run of zeros (元位 is 0)."""
    parts: list[str] = []
    zero_pending = False
    section_nonzero = False
    for digit, pos in _integer_digits(integer):
        if digit == 0:
            zero_pending = bool(parts)
        else:
            # pos % 4 == 3 is a 仟 right after a 万/亿 position: a zero run ending there is the
            # optional 零 of 规定四(三), which this module leaves out (see rmb_upper).
            if zero_pending and pos % 4 != 3:
                parts.append("零")
            zero_pending = False
            section_nonzero = True
            parts.append(_DIGITS[digit] + _SMALL_UNITS[pos % 4])
        if pos in _SECTION_UNITS:
            if section_nonzero:
                parts.append(_SECTION_UNITS[pos])
            section_nonzero = False
    return "".join(parts), zero_pending


def rmb_upper(d: Number) -> str:
    """人民币大写 for agreements and disbursement lists, by 中国人民银行《支付结算办法》附件一
    《正确填写票据和结算凭证的基本规定》, rule 四 (阿拉伯小写金额数字中有"0"时):

    (一) 阿拉伯数字中间有"0"时，中文大写要写"零"字：1409.50 → 壹仟肆佰零玖元伍角.
    (二) 阿拉伯数字中间连续有几个"0"时，中文大写金额中间可以只写一个"零"字：6007.14 → 陆仟零柒元壹角肆分.
    (三) 阿拉伯金额数字万位和元位是"0"，或者数字中间连续有几个"0"，万位、元位也是"0"，但千位、角位不是"0"时，
         中文大写金额中可以只写一个"零"字，也可以不写"零"字：1680.32 → 壹仟陆佰捌拾元零叁角贰分 或
         壹仟陆佰捌拾元叁角贰分；107000.53 → 壹拾万柒仟元零伍角叁分 或 壹拾万零柒仟元伍角叁分.
    (四) 阿拉伯金额数字角位是"0"，而分位不是"0"时，中文大写金额"元"后面应写"零"字：16409.02 →
         壹万陆仟肆佰零玖元零贰分；325.04 → 叁佰贰拾伍元零肆分.
    Rule 二: 到"元"为止的，在"元"之后应写"整"字；有"角"或"分"的不写"整".

    Our one convention for the optional 零 of (三), so that an amount is always spelled the same way:
    the form the rule lists first. A zero run ending at the 元位 before a non-zero 角 IS written
    (元零叁角, like the 零 that (四) requires after 元); a zero run ending at the 万位 before a
    non-zero 仟 is NOT written (壹拾万柒仟, as the number is read), and 亿位 is treated like 万位. So
    107000.53 → 壹拾万柒仟元零伍角叁分, never the two-零 壹拾万零柒仟元零伍角叁分. Every other zero run
    between non-zero digits is one 零 (rules (一), (二)); amounts 10–19 start 壹拾; an amount below
    one yuan has no 元 (0.05 → 伍分); 0 is 零元整; a negative amount starts 负.
    """
    amount = money(d, allow_negative=True, bounded=False)
    if abs(amount) > MAX_UPPER:
        raise MoneyError(f"金额超出大写支持范围（最大 {format_yuan(MAX_UPPER)} 元）：{format_yuan(amount)}")
    prefix = "负" if amount < 0 else ""
    fen_total = abs(to_fen(amount))
    integer, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if fen_total == 0:
        return "零元整"
    text, zero_pending = _integer_upper(integer) if integer else ("", False)
    parts = [text + "元"] if integer else []
    for digit, unit in ((jiao, "角"), (fen, "分")):
        if digit == 0:
            zero_pending = zero_pending or bool(parts)
        else:
            if zero_pending:
                parts.append("零")
            zero_pending = False
            parts.append(_DIGITS[digit] + unit)
    if jiao == 0 and fen == 0:
        parts.append("整")
    return prefix + "".join(parts)


def _decimal_operand(value: Number, what: str) -> Decimal:
    _reject_binary(value)
    if isinstance(value, str):
        try:
            result = Decimal(value.strip().rstrip("%").strip())
        except InvalidOperation:
            raise MoneyError(f"{what}格式不正确：「{value}」") from None
    elif isinstance(value, (int, Decimal)):
        result = Decimal(value)
    else:
        raise TypeError(f"{what}不能使用 {type(value).__name__} 类型")
    if not result.is_finite():
        raise MoneyError(f"{what}必须是有限的数字：「{value}」")
    return result


def percent_of(amount: Number, percent: Number) -> Decimal:
    """Exact amount × percent / 100, deliberately unrounded.

    Caps such as "labor ≤ 50% of the grant" must be compared against the exact
    product: rounding 50% of 100,000.01 (= 50,000.005) either way would let a
    fen through or reject a legal budget.
    """
    return _decimal_operand(amount, "金额") * _decimal_operand(percent, "比例") / 100


def percent_of_display(amount: Number, percent: Number) -> Decimal:
    """The largest fen amount that still satisfies "≤ percent_of", for messages."""
    return percent_of(amount, percent).quantize(FEN, rounding=ROUND_FLOOR)
