"""Server-rendered SVG charts: no JavaScript, nothing fetched, the same drawing on screen, in print
and in a PDF. Pure functions from (label, value) rows to an SVG string; labels are escaped, values
are printed next to each bar so the chart still reads in black and white."""
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.money import format_yuan

Number = int | Decimal
Row = tuple[str, Number]

# The drawing is as wide as the narrowest card that shows it (a 375 px phone; static/css/monitoring.css
# gives svg.chart this min-width), so it is never scaled down: text drawn at FONT_PX shows at least that.
WIDTH = 320
FONT_PX = 13
LABEL_W = 104
VALUE_W = 100
BAR_H = 20
GAP = 8
FILL = "#3b6ea5"
TEXT = "#1f2328"
MAX_LABEL = 7  # Chinese characters of FONT_PX that fit LABEL_W
LINE_H = 15  # a second line of a label


def _scaled(value: Number, top: Number, span: Number) -> Decimal:
    """value / top of span, in Decimal (no float): a bar never disagrees with the number beside it."""
    if top <= 0:
        return Decimal("0.0")
    return (Decimal(min(value, top)) / Decimal(top) * Decimal(span)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _label_lines(label: str) -> list[str]:
    """A bar's label on one line, or on two when it is longer than a line: broken before a bracket
    that opens within the first line (the unit of an indicator, "服务人次（人次）"), else after a full
    line; the second line ends in … if the rest is still too long. One line cut the unit off."""
    if len(label) <= MAX_LABEL:
        return [label]
    cut = label.find("（", 1, MAX_LABEL + 1)
    cut = cut if cut > 0 else MAX_LABEL
    return [label[:cut], _short(label[cut:])]


def _svg(width: int, height: int, title: str, testid: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" data-testid="{escape(testid)}" '
        f'font-family="Noto Sans CJK SC, sans-serif" font-size="{FONT_PX}">'
        f"<title>{escape(title)}</title>"
    )
    return mark_safe(head + "".join(body) + "</svg>")


def _empty(title: str, testid: str, empty_text: str) -> SafeString:
    return _svg(WIDTH, 40, title, testid, [f'<text x="0" y="24" fill="{TEXT}">{escape(empty_text)}</text>'])


def bar_chart(
    rows: Sequence[Row], *, title: str, testid: str, empty_text: str, fmt: Callable[[Number], str] = str,
    scale_max: Number | None = None,
) -> SafeString:
    """Horizontal bars, one row per label; a full bar is the largest value, or `scale_max` when given
    (100 for percentages: a value above it is drawn full length and printed as it is)."""
    if not rows:
        return _empty(title, testid, empty_text)
    top = scale_max if scale_max is not None else max(v for _, v in rows)
    span = WIDTH - LABEL_W - VALUE_W
    lines = [_label_lines(label) for label, _ in rows]
    # Rows are taller when a label takes two lines, all alike so the bars stay evenly spaced.
    wrapped = any(len(x) > 1 for x in lines)
    pitch, top_pad = BAR_H + GAP + (LINE_H if wrapped else 0), (LINE_H // 2 if wrapped else 0)
    body = []
    for index, (label, value) in enumerate(rows):
        y = top_pad + index * pitch
        length = _scaled(value, top, span)
        first = y + BAR_H - 5 - (LINE_H // 2 if len(lines[index]) > 1 else 0)
        text = "".join(f'<tspan x="{LABEL_W - 6}" y="{first + i * LINE_H}">{escape(line)}</tspan>'
                       for i, line in enumerate(lines[index]))
        body.append(
            f'<g data-label="{escape(label)}" data-value="{escape(str(value))}">'
            f'<text text-anchor="end" fill="{TEXT}"><title>{escape(label)}</title>{text}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{length}" height="{BAR_H}" fill="{FILL}"/>'
            f'<text x="{LABEL_W + length + 4}" y="{y + BAR_H - 5}" fill="{TEXT}">{escape(fmt(value))}</text></g>'
        )
    height = top_pad + len(rows) * pitch
    return _svg(WIDTH, height, title, testid, body)


def column_chart(
    rows: Sequence[Row], *, title: str, testid: str, empty_text: str, fmt: Callable[[Number], str] = str,
) -> SafeString:
    """Vertical columns in the given order (a histogram when the labels are bins)."""
    if not rows or all(v == 0 for _, v in rows):
        return _empty(title, testid, empty_text)
    top = max(v for _, v in rows)
    plot_h, base = 160, 180
    slot = Decimal(WIDTH) / len(rows)
    col_w = max(slot * Decimal("0.6"), Decimal(4)).quantize(Decimal("0.1"))
    body = [f'<line x1="0" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="{TEXT}" stroke-width="1"/>']
    for index, (label, value) in enumerate(rows):
        x = (index * slot + (slot - col_w) / 2).quantize(Decimal("0.1"))
        h = _scaled(value, top, plot_h)
        mid = (index * slot + slot / 2).quantize(Decimal("0.1"))
        body.append(
            f'<g data-label="{escape(label)}" data-value="{escape(str(value))}">'
            f'<rect x="{x}" y="{base - h}" width="{col_w}" height="{h}" fill="{FILL}"/>'
            f'<text x="{mid}" y="{base - h - 4}" text-anchor="middle" fill="{TEXT}">{escape(fmt(value))}</text>'
            f'<text x="{mid}" y="{base + 18}" text-anchor="middle" fill="{TEXT}">{escape(_short(label, 8))}</text></g>'
        )
    return _svg(WIDTH, base + 24, title, testid, body)


def histogram_bins(values: Sequence[Decimal], *, edges: Sequence[int], weights: Sequence[int] | None = None) -> list[Row]:
    """Counts per bin [edges[i], edges[i+1]); the last bin includes its upper edge (100 points).
    `weights`: how many times each value occurs (values counted by the database, one row per value)."""
    counts = [0] * (len(edges) - 1)
    for k, value in enumerate(values):
        for i in range(len(counts)):
            last = i == len(counts) - 1
            if edges[i] <= value < edges[i + 1] or (last and value == edges[i + 1]):
                counts[i] += weights[k] if weights is not None else 1
                break
    return [(f"{edges[i]}–{edges[i + 1]}", counts[i]) for i in range(len(counts))]


# Grouped bars of the finance overview: geometry only, the template draws the SVG (several series per
# label, one scale for all).

G_WIDTH = Decimal(600)
G_LABEL = Decimal(110)
G_BAR = Decimal(12)
G_GAP = Decimal(4)
G_GROUP_GAP = Decimal(14)
G_SERIES = (("approved", "#8c959f"), ("paid", "#1a7f37"), ("outstanding", "#0969da"), ("clawed_back", "#cf222e"))


@dataclass(frozen=True)
class GroupedBar:
    y: str
    width: str
    color: str
    series: str
    value: str


@dataclass(frozen=True)
class Group:
    label: str
    label_y: str
    bars: list[GroupedBar]


def _fmt(d: Decimal) -> str:
    return str(d.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def grouped_bars(groups: list[tuple[str, dict[str, Decimal]]]) -> dict:
    """groups: (label, {series: amount}) → positions for the template; lengths share one scale."""
    largest = max((v for _, values in groups for v in values.values()), default=Decimal(0))
    span = G_WIDTH - G_LABEL - Decimal(10)
    y = Decimal(6)
    out = []
    for label, values in groups:
        bars = []
        top = y
        for series, color in G_SERIES:
            value = values.get(series, Decimal(0))
            length = (span * value / largest) if largest > 0 else Decimal(0)
            bars.append(GroupedBar(_fmt(y), _fmt(length), color, series, format_yuan(value)))
            y += G_BAR + G_GAP
        out.append(Group(label, _fmt(top + (y - top - G_GAP) / 2 + Decimal(4)), bars))
        y += G_GROUP_GAP
    return {"groups": out, "height": _fmt(y), "width": _fmt(G_WIDTH), "label_width": _fmt(G_LABEL),
            "bar_height": _fmt(G_BAR), "series": G_SERIES}
