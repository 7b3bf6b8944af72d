import re
import xml.etree.ElementTree as ET
from decimal import Decimal as D
from pathlib import Path

from core import charts
from core.charts import bar_chart, column_chart, histogram_bins

NS = "{http://www.w3.org/2000/svg}"


def test_bar_lengths_are_proportional_and_labels_escaped():
    svg = bar_chart([("为老服务", 4), ("<script>", 2)], title="t", testid="c", empty_text="none")
    root = ET.fromstring(svg)  # well-formed XML: the label was escaped
    widths = {g.get("data-label"): D(g.find(f"{NS}rect").get("width")) for g in root.iter(f"{NS}g")}
    assert widths["为老服务"] == 2 * widths["<script>"]
    assert "<script>" not in svg
    assert root.get("data-testid") == "c"


def test_scale_max_caps_the_longest_bar():
    svg = bar_chart([("a", D("50")), ("b", D("130"))], title="t", testid="c", empty_text="-", scale_max=100)
    root = ET.fromstring(svg)
    widths = {g.get("data-label"): D(g.find(f"{NS}rect").get("width")) for g in root.iter(f"{NS}g")}
    assert widths["b"] == 2 * widths["a"]  # 130% is drawn as a full bar, 50% as half of it


def test_values_are_printed_with_the_given_format():
    svg = bar_chart([("a", D("1234.5"))], title="t", testid="c", empty_text="-", fmt=lambda v: f"¥{v}")
    assert "¥1234.5" in svg


def test_empty_charts_say_so():
    assert "nothing" in bar_chart([], title="t", testid="c", empty_text="nothing")
    assert "nothing" in column_chart([("0–60", 0)], title="t", testid="c", empty_text="nothing")


def test_histogram_bins_include_100_in_the_last_bin():
    rows = histogram_bins([D("59.5"), D("60"), D("89.5"), D("90"), D("100")], edges=[0, 60, 80, 90, 100])
    assert rows == [("0–60", 1), ("60–80", 1), ("80–90", 1), ("90–100", 2)]


def test_column_heights_follow_counts():
    root = ET.fromstring(column_chart([("a", 1), ("b", 4)], title="t", testid="c", empty_text="-"))
    heights = {g.get("data-label"): D(g.find(f"{NS}rect").get("height")) for g in root.iter(f"{NS}g")}
    assert heights["b"] == 4 * heights["a"]


def test_labels_are_drawn_for_at_least_12_px_as_shown():
    """The page never shows a chart narrower than its drawing (svg.chart min-width in monitoring.css),
    so the drawing's font size is the smallest size a label is shown at."""
    svg = bar_chart([("养老服务", 3)], title="t", testid="c", empty_text="-")
    root = ET.fromstring(svg)
    assert root.get("viewBox").startswith(f"0 0 {charts.WIDTH} ")
    assert int(root.get("font-size")) >= 12
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "monitoring.css").read_text()
    min_width = re.search(r"svg\.chart \{[^}]*min-width:(\d+)px", css)
    assert min_width and int(min_width.group(1)) >= charts.WIDTH


def test_a_long_label_takes_two_lines_and_keeps_its_unit():
    svg = bar_chart([("服务人次（人次）", 3), ("为老服务", 2), ("一二三四五六七八九十甲乙丙丁戊己庚", 1)],
                    title="t", testid="c", empty_text="-")
    root = ET.fromstring(svg)
    shown = {g.get("data-label"): [t.text for t in g.find(f"{NS}text").iter(f"{NS}tspan")] for g in root.iter(f"{NS}g")}
    assert shown["服务人次（人次）"] == ["服务人次", "（人次）"]
    assert shown["为老服务"] == ["为老服务"]
    assert shown["一二三四五六七八九十甲乙丙丁戊己庚"] == ["一二三四五六七", "八九十甲乙丙…"]
    rects = [D(g.find(f"{NS}rect").get("y")) for g in root.iter(f"{NS}g")]
    assert rects[1] - rects[0] == rects[2] - rects[1] >= charts.BAR_H + charts.GAP + charts.LINE_H
    assert D(root.get("viewBox").split()[3]) == rects[0] + 3 * (rects[1] - rects[0])
