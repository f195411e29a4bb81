"""The console's charts: the shared inline-SVG charts of ``zhichao/charts/``, drawn with the console's
stylesheet (``static/devices.css``)."""

from __future__ import annotations

from zhichao.charts.svg import (
    HEIGHT,
    NO_DATA,
    WIDTH,
    Band,
    Bar,
    HLine,
    bar_chart,
    day_label,
    empty_chart,
    line_chart,
    nice_step,
    nice_ticks,
    number,
)

__all__ = ["HEIGHT", "NO_DATA", "WIDTH", "Band", "Bar", "HLine", "bar_chart", "day_label", "empty_chart",
           "line_chart", "nice_step", "nice_ticks", "number"]
