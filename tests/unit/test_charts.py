"""The station page's charts are valid SVG, escape their text, break lines at gaps and never fail on no data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from zhichao.charts.svg import NO_DATA, Bar, HLine, bar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
DAY = date(2026, 11, 1)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def days(values: list[float | None]) -> list[tuple[date, float | None]]:
    return [(DAY + timedelta(days=i), v) for i, v in enumerate(values)]


def test_a_line_chart_is_valid_svg_with_a_viewbox_and_an_accessible_name() -> None:
    root = parse(line_chart(days([1.0, 2.0, 3.0]), title="漂移", unit="%"))
    assert root.tag == SVG + "svg"
    assert root.get("viewBox") and root.get("role") == "img" and root.get("aria-label") == "漂移（%）"
    assert root.find(SVG + "title") is not None


def test_text_in_titles_and_labels_is_escaped() -> None:
    markup = line_chart(days([1.0]), title='A<B & "C"', unit="<t>", hlines=[HLine(1.0, "x<y&z")])
    root = parse(markup)  # would raise on an unescaped < or &
    assert 'A<B & "C"' in "".join(root.itertext())
    assert "x<y&z" in "".join(root.itertext())
    bars = parse(bar_chart([Bar("<1>", 2.0)], title="&", unit=""))
    assert "<1>" in "".join(bars.itertext())


def test_a_missing_value_breaks_the_line_into_segments() -> None:
    root = parse(line_chart(days([1.0, 2.0, None, 3.0, 4.0]), title="t"))
    assert len(root.findall(f".//{SVG}path")) == 2
    assert len(root.findall(f".//{SVG}circle")) == 4


def test_a_lone_point_between_gaps_is_still_drawn() -> None:
    root = parse(line_chart(days([None, 5.0, None]), title="t"))
    assert root.findall(f".//{SVG}path") == []
    assert len(root.findall(f".//{SVG}circle")) == 1


@pytest.mark.parametrize("values", [[], [None, None]], ids=["empty", "all missing"])
def test_a_chart_without_data_says_so(values: list[float | None]) -> None:
    for markup in (line_chart(days(values), title="识别率"), bar_chart([Bar("1", v) for v in values], title="流量")):
        assert NO_DATA in "".join(parse(markup).itertext())


def test_a_single_day_and_a_flat_series_do_not_fail() -> None:
    parse(line_chart(days([7.0]), title="t"))
    parse(line_chart(days([0.0, 0.0, 0.0]), title="t"))
    parse(bar_chart([Bar("1", 0.0), Bar("2", 0.0)], title="t"))


@pytest.mark.parametrize(("low", "high", "ticks"), [
    pytest.param(0, 1000, [0, 200, 400, 600, 800, 1000], id="0..1000 by 200"),
    pytest.param(0, 1234, [0, 250, 500, 750, 1000, 1250], id="0..1234 by 250"),
    pytest.param(-5.8, 5, [-7.5, -5, -2.5, 0, 2.5, 5], id="signed percentages by 2.5"),
    pytest.param(88.2, 97.1, [88, 90, 92, 94, 96, 98], id="read rate by 2"),
    pytest.param(6.3, 7.24, [6.2, 6.4, 6.6, 6.8, 7.0, 7.2, 7.4], id="tonnes by 0.2"),
    pytest.param(5, 5, [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6], id="one value: ±10 % around it"),
])
def test_ticks_are_round_steps_covering_the_range(low: float, high: float, ticks: list[float]) -> None:
    assert nice_ticks(low, high) == ticks


def test_dates_on_the_x_axis_are_month_dash_day() -> None:
    text = "".join(parse(line_chart(days([1.0] * 30), title="t")).itertext())
    assert "11-1" in text and "2026" not in text


def test_reference_lines_outside_the_data_widen_the_axis() -> None:
    root = parse(line_chart(days([1.0, 2.0]), title="t", hlines=[HLine(5.0, "告警 +5%", "bad")]))
    assert "告警 +5%" in "".join(root.itertext())


def test_a_silent_lane_is_marked_and_still_visible() -> None:
    root = parse(bar_chart([Bar("1 道", 30.0), Bar("2 道", 0.0, "low")], title="车道"))
    marked = [r for r in root.iter(SVG + "rect") if "bar-low" in (r.get("class") or "")]
    assert len(marked) == 1 and float(marked[0].get("height") or 0) > 0
