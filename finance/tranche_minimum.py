"""No tranche of 0.00: the smallest grant a round's tranche template can split without one.

A template splits in whole fen with every part but the last rounded (grants.rules.tranches), so a
small enough amount gives a 0.00 instalment — a transfer no bank takes and a first tranche that can
never be "paid", so the project could never start. The decision and the signing refuse such an
amount, naming the minimum. Pure: tested without the database.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from core.money import format_yuan, from_fen, money
from core.problems import Problem
from grants.rules.tranches import split_amount


def _splits_without_zero(fen: int, percents: Sequence[Decimal]) -> bool:
    return all(part > 0 for part in split_amount(from_fen(fen), percents))


def minimum_amount(percents: Sequence[Decimal]) -> Decimal:
    """The smallest amount from which on every amount splits into tranches of at least 0.01."""
    percents = [Decimal(p) for p in percents]
    n = len(percents)
    # Above this every rounded part is ≥ 1 fen and the last is at least its share less the roundings.
    safe = max([int(Decimal(50) / p) + 1 for p in percents[:-1]]
               + [int((Decimal(n - 1) / 2 + 1) * 100 / percents[-1]) + 1])
    fen = safe
    while fen > 1 and _splits_without_zero(fen - 1, percents):
        fen -= 1
    return from_fen(fen)


def zero_tranche_problems(amount, template: Sequence[dict]) -> list[Problem]:
    """A problem naming the 0.00 instalments and the minimum when `amount` would produce any."""
    percents = [Decimal(str(t["percent"])) for t in template]
    amount = money(amount)
    parts = split_amount(amount, percents)
    zero = [t.get("name") or f"第{i}期" for i, (t, part) in enumerate(zip(template, parts, strict=True), start=1)
            if part <= 0]
    if not zero:
        return []
    minimum = minimum_amount(percents)
    return [Problem(
        "tranche.zero",
        f"资助金额 {format_yuan(amount)} 元按本批次分期比例拆分后，{'、'.join(zero)}为 0.00 元，无法拨付；"
        f"按现行分期比例，资助金额至少须为 {format_yuan(minimum)} 元",
        field="amount",
    )]


__all__ = ["minimum_amount", "zero_tranche_problems"]
