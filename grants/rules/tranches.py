"""Tranche templates (分期拨付) and splitting an approved amount into tranches.

A round's template is edited by program officers as JSON, so it is checked
here with every problem spelled out at once. Splitting works in integer fen
and gives the rounding remainder to the last tranche, so the tranches of a
project always add up to the approved amount to the fen — the bank list and
the agreement must never disagree by a fen.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.money import format_yuan, from_fen, money, to_fen

TRIGGERS = {
    "signing": "签订协议后",
    "midterm_passed": "中期评估合格后",
    "final_passed": "结项评估合格后",
}

HUNDRED = Decimal("100")


def _fmt_pct(p: Decimal) -> str:
    return f"{p:.2f}%"


def _parse_percent(value: object) -> Decimal | None:
    """None when the value is not a finite number (floats included: JSON from the editor is text)."""
    if isinstance(value, (bool, float)):
        return None
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        try:
            result = Decimal(text)
        except InvalidOperation:
            return None
    elif isinstance(value, (int, Decimal)):
        result = Decimal(value)
    else:
        return None
    return result if result.is_finite() else None


def template_errors(template: list[dict]) -> list[str]:
    """Every problem with a tranche template, so the officer fixes them in one pass."""
    if not isinstance(template, list) or not template:
        return ["分期拨付模板不能为空，至少需要一期"]
    problems: list[str] = []
    total = Decimal("0")
    all_numbers = True
    options = "、".join(TRIGGERS.values())
    for index, item in enumerate(template, start=1):
        if not isinstance(item, dict):
            problems.append(f"第{index}期格式不正确")
            all_numbers = False
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"第{index}期名称不能为空")
        label = f"第{index}期" + (f"「{name.strip()}」" if isinstance(name, str) and name.strip() else "")
        raw = item.get("percent")
        percent = _parse_percent(raw)
        if percent is None:
            all_numbers = False
            problems.append(f"{label}比例「{'' if raw is None else raw}」不是有效数字")
        else:
            total += percent
            if percent != percent.quantize(Decimal("0.01")):
                problems.append(f"{label}比例最多保留两位小数，当前为「{raw}」")
            if percent <= 0:
                problems.append(f"{label}比例必须大于0，当前为 {_fmt_pct(percent)}")
            elif percent > HUNDRED:
                problems.append(f"{label}比例不能超过100%，当前为 {_fmt_pct(percent)}")
        trigger = item.get("trigger")
        if trigger not in TRIGGERS:
            problems.append(f"{label}拨付条件「{'' if trigger is None else trigger}」无效，应为：{options}")
    if all_numbers and total != HUNDRED:
        problems.append(f"各期比例合计为 {_fmt_pct(total)}，必须等于 100%")
    return problems


def split_amount(total: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """Split total by percents; every part but the last rounds half up, the last takes the rest."""
    total_fen = to_fen(money(total))
    if not percents:
        raise ValueError("至少需要一期才能拆分金额")
    if any(isinstance(p, (float, bool)) for p in percents):
        raise TypeError("分期比例不能使用 float，请使用 Decimal")
    pcts = [Decimal(p) for p in percents]
    if sum(pcts, Decimal("0")) != HUNDRED:
        raise ValueError(f"各期比例合计为 {_fmt_pct(sum(pcts, Decimal('0')))}，必须等于 100%")
    parts = [
        int((Decimal(total_fen) * p / HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for p in pcts[:-1]
    ]
    parts.append(total_fen - sum(parts))
    for index, part in enumerate(parts, start=1):
        if part < 0:
            raise ValueError(
                f"金额 {format_yuan(from_fen(total_fen))} 元按比例拆分后第{index}期为负数"
                f"（{format_yuan(from_fen(part))} 元），请调整分期比例"
            )
    return [from_fen(p) for p in parts]
