"""Geometry for the server-rendered SVG bar charts of the finance overview (no JavaScript).

Bar lengths are computed with Decimal like every other figure on the page, so a bar and the number
beside it can never disagree through rounding of a float.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from finance.money import format_yuan

WIDTH = Decimal(600)
LABEL = Decimal(110)
BAR = Decimal(12)
GAP = Decimal(4)
GROUP_GAP = Decimal(14)
SERIES = (("approved", "#8c959f"), ("paid", "#1a7f37"), ("outstanding", "#0969da"), ("clawed_back", "#cf222e"))


@dataclass(frozen=True)
class Bar:
    y: str
    width: str
    color: str
    series: str
    value: str


@dataclass(frozen=True)
class Group:
    label: str
    label_y: str
    bars: list[Bar]


def _fmt(d: Decimal) -> str:
    return str(d.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def bar_chart(groups: list[tuple[str, dict[str, Decimal]]]) -> dict:
    """groups: (label, {series: amount}) → positions for the template; lengths share one scale."""
    largest = max((v for _, values in groups for v in values.values()), default=Decimal(0))
    span = WIDTH - LABEL - Decimal(10)
    y = Decimal(6)
    out = []
    for label, values in groups:
        bars = []
        top = y
        for series, color in SERIES:
            value = values.get(series, Decimal(0))
            length = (span * value / largest) if largest > 0 else Decimal(0)
            bars.append(Bar(_fmt(y), _fmt(length), color, series, format_yuan(value)))
            y += BAR + GAP
        out.append(Group(label, _fmt(top + (y - top - GAP) / 2 + Decimal(4)), bars))
        y += GROUP_GAP
    return {"groups": out, "height": _fmt(y), "width": _fmt(WIDTH), "label_width": _fmt(LABEL),
            "bar_height": _fmt(BAR), "series": SERIES}
