"""Horizontal bar charts are valid SVG with one row per bar, cut long labels but keep them whole in the tooltip,
escape their text, never fail on no data; a stylesheet is embedded for documents and cannot close the element."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from zhichao.charts.bars import ROW_H, TOP, hbar_chart, with_style
from zhichao.charts.svg import NO_DATA, Bar

SVG = "{http://www.w3.org/2000/svg}"


def test_a_row_per_bar_and_the_chart_as_tall_as_its_rows() -> None:
    root = ET.fromstring(str(hbar_chart([Bar("G104", 27681), Bar("G329", 17245), Bar("S308", 0)], title="道路")))
    assert len(root.findall(f"{SVG}rect")) == 3
    height = int(str(root.get("viewBox")).split()[3])
    assert height == TOP + 3 * ROW_H + 22
    widths = [float(str(r.get("width"))) for r in root.findall(f"{SVG}rect")]
    assert widths[0] > widths[1] > widths[2] > 0  # a zero still shows a hairline


def test_long_labels_are_cut_and_kept_whole_in_the_tooltip() -> None:
    root = ET.fromstring(str(hbar_chart([Bar("G104 越城东湖 治超检测点 <东>", 3.5)], title="超限率", unit="%",
                                        label_chars=8)))
    labels = [t.text for t in root.iter(f"{SVG}text") if "hbar-label" in str(t.get("class"))]
    assert labels == ["G104 越城…"]
    tooltip = root.find(f"{SVG}rect/{SVG}title")
    assert tooltip is not None and tooltip.text == "G104 越城东湖 治超检测点 <东>：3.5%"


def test_nothing_to_draw_says_so() -> None:
    assert NO_DATA in hbar_chart([Bar("a", None)], title="空")


def test_a_stylesheet_goes_inside_the_svg() -> None:
    styled = with_style(hbar_chart([Bar("a", 1)], title="t"), ".bar { fill: red; }")
    root = ET.fromstring(str(styled))
    assert root[0].tag == f"{SVG}style" and root[0].text == ".bar { fill: red; }"
    with pytest.raises(ValueError):
        with_style(hbar_chart([Bar("a", 1)], title="t"), "</style><script>")
