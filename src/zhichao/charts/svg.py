"""Small inline-SVG charts, drawn on the server: no JavaScript, no external files.

Shared by the console's pages (the station page) and the documents rendered as PDF (the quarterly report).
Each function returns one ``<svg>`` element as ``Markup``: a fixed ``viewBox`` (the page makes it as wide as
its column and keeps the aspect), every text escaped, colours by class (``static/devices.css`` on the
console, whose CSP forbids inline styles, so nothing here uses ``style=``; a PDF embeds a stylesheet in the
element instead, ``bars.with_style``). A value of None is a gap: the line breaks there. A series with
nothing to draw gives a chart that says 暂无数据, never an error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 480, 210
LEFT, RIGHT, TOP, BOTTOM = 40, 62, 30, 24  # room for y ticks, line labels on the right, title, x labels
NO_DATA = "暂无数据"
MAX_X_LABELS = 8


@dataclass(frozen=True, slots=True)
class HLine:
    """A horizontal reference line (a threshold, a baseline) labelled at the right edge."""

    y: float
    label: str
    tone: str = "ref"  # ref, warn, bad, ok: picks the class hline-<tone>


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded horizontal band from ``low`` to ``high``."""

    low: float
    high: float
    tone: str = "ok"  # ok, warn


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None
    mark: str = ""  # "" or a class suffix (bar-<mark>): e.g. ``low`` for a silent lane, ``off`` for a day offline


def nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) giving about ``count`` intervals over ``span``."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, count)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude * (1 + 1e-9):
            return factor * magnitude
    return 10 * magnitude


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]; the first and last ticks are the axis's ends."""
    if high < low:
        low, high = high, low
    if high == low:  # one value: a range around it that still has round ticks
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = nice_step(high - low, count)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [_clean(i * step) for i in range(first, last + 1)]


def _clean(value: float) -> float:
    return round(value, 9) + 0.0  # + 0.0 turns -0.0 into 0.0


def number(value: float) -> str:
    """A tick's text: no trailing zeros (``2.5``, ``10``, ``0.25``)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def day_label(day: date) -> str:
    return f"{day.month}-{day.day}"


def _f(v: float) -> str:
    return f"{v:.1f}"


def _open(title: str, unit: str, kind: str) -> list[str]:
    label = f"{title}（{unit}）" if unit else title
    return [
        f'<svg class="chart chart-{kind}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(label)}</title>",
        f'<text class="chart-title" x="{LEFT}" y="18">{escape(title)}'
        + (f'<tspan class="chart-unit" dx="8">{escape(unit)}</tspan>' if unit else "") + "</text>",
    ]


def empty_chart(title: str, unit: str = "", kind: str = "empty") -> Markup:
    parts = _open(title, unit, kind)
    parts.append(f'<rect class="plot-frame" x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
                 f'height="{HEIGHT - TOP - BOTTOM}" fill="none"/>')
    parts.append(f'<text class="no-data" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{(TOP + HEIGHT - BOTTOM) / 2 + 5}" '
                 f'text-anchor="middle">{NO_DATA}</text></svg>')
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class _Scale:
    low: float
    high: float
    ticks: list[float]

    def y(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return HEIGHT - BOTTOM - (value - self.low) / span * (HEIGHT - TOP - BOTTOM)


def _scale(values: Sequence[float], y_range: tuple[float, float] | None, zero: bool = False) -> _Scale:
    if y_range is not None:
        ticks = nice_ticks(*y_range)
        return _Scale(y_range[0], y_range[1], [t for t in ticks if y_range[0] <= t <= y_range[1]])
    low, high = min(values), max(values)
    if zero:
        low, high = min(low, 0.0), max(high, 0.0)
        if low == high == 0.0:
            high = 1.0
    ticks = nice_ticks(low, high)
    return _Scale(ticks[0], ticks[-1], ticks)


def _y_axis(scale: _Scale, lines: list[str]) -> None:
    for t in scale.ticks:
        y = _f(scale.y(t))
        lines.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>')
        lines.append(f'<text class="tick" x="{LEFT - 6}" y="{float(y) + 4:.1f}" text-anchor="end">{number(t)}</text>')


def _references(scale: _Scale, hlines: Sequence[HLine], bands: Sequence[Band], lines: list[str]) -> None:
    for b in bands:
        low, high = max(min(b.low, b.high), scale.low), min(max(b.low, b.high), scale.high)
        if high <= low:
            continue
        top, bottom = scale.y(high), scale.y(low)
        lines.append(f'<rect class="band band-{escape(b.tone)}" x="{LEFT}" y="{_f(top)}" '
                     f'width="{WIDTH - LEFT - RIGHT}" height="{_f(bottom - top)}"/>')
    for h in hlines:
        if not scale.low <= h.y <= scale.high:
            continue
        y = _f(scale.y(h.y))
        lines.append(f'<line class="hline hline-{escape(h.tone)}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>')
        lines.append(f'<text class="hline-label hline-label-{escape(h.tone)}" x="{WIDTH - RIGHT + 4}" '
                     f'y="{float(y) + 4:.1f}">{escape(h.label)}</text>')


def line_chart(points: Sequence[tuple[date, float | None]], *, title: str, unit: str = "",
               hlines: Sequence[HLine] = (), bands: Sequence[Band] = (),
               y_range: tuple[float, float] | None = None) -> Markup:
    """A daily series as a line (oldest first); None breaks the line; lone points are dots."""
    values = [v for _, v in points if v is not None]
    if not values:
        return empty_chart(title, unit, "line")
    refs = [h.y for h in hlines] + [edge for b in bands for edge in (b.low, b.high)]
    scale = _scale(values + refs, y_range)
    first, last = points[0][0], points[-1][0]
    days = max(1, (last - first).days)
    inner = WIDTH - LEFT - RIGHT

    def x(day: date) -> float:
        return LEFT + inner / 2 if first == last else LEFT + (day - first).days / days * inner

    lines = _open(title, unit, "line")
    _y_axis(scale, lines)
    _references(scale, hlines, bands, lines)
    step = max(1, math.ceil((days + 1) / MAX_X_LABELS))
    for day, _ in points:
        if (day - first).days % step == 0:
            lines.append(f'<text class="tick" x="{_f(x(day))}" y="{HEIGHT - 8}" '
                         f'text-anchor="middle">{day_label(day)}</text>')
    segments: list[list[tuple[float, float]]] = [[]]
    for day, v in points:
        if v is None:
            segments.append([])
        else:
            segments[-1].append((x(day), scale.y(min(max(v, scale.low), scale.high))))
    for seg in segments:
        if len(seg) > 1:
            d = " ".join(("M" if i == 0 else "L") + f"{_f(px)} {_f(py)}" for i, (px, py) in enumerate(seg))
            lines.append(f'<path class="series" d="{d}" fill="none"/>')
        for px, py in seg:
            lines.append(f'<circle class="point" cx="{_f(px)}" cy="{_f(py)}" r="{3 if len(seg) == 1 else 2}"/>')
    lines.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}"/>')
    lines.append("</svg>")
    return Markup("".join(lines))


def bar_chart(bars: Sequence[Bar], *, title: str, unit: str = "", hlines: Sequence[HLine] = (),
              show_values: bool | None = None, label_every: int | None = None) -> Markup:
    """Bars from zero, labelled below (every ``label_every``-th, by default about eight labels);
    values are printed on the bars when there are few of them (``show_values``)."""
    values = [b.value for b in bars if b.value is not None]
    if not values:
        return empty_chart(title, unit, "bar")
    scale = _scale(values + [h.y for h in hlines], None, zero=True)
    inner = WIDTH - LEFT - RIGHT
    slot = inner / len(bars)
    width = max(1.0, slot * 0.72)
    every = label_every or max(1, math.ceil(len(bars) / MAX_X_LABELS))
    printed = len(bars) <= 12 if show_values is None else show_values
    lines = _open(title, unit, "bar")
    _y_axis(scale, lines)
    base = scale.y(0.0)
    for i, b in enumerate(bars):
        cx = LEFT + slot * (i + 0.5)
        if i % every == 0:
            lines.append(f'<text class="tick" x="{_f(cx)}" y="{HEIGHT - 8}" '
                         f'text-anchor="middle">{escape(b.label)}</text>')
        if b.value is None:
            continue
        top = scale.y(min(b.value, scale.high))
        y0, height = min(top, base), abs(base - top)
        if height < 2 and b.mark:  # a marked zero (a silent lane) still shows a sliver
            y0, height = base - 2, 2.0
        cls = "bar" + (f" bar-{escape(b.mark)}" if b.mark else "")
        lines.append(f'<rect class="{cls}" x="{_f(cx - width / 2)}" y="{_f(y0)}" width="{_f(width)}" '
                     f'height="{_f(height)}"><title>{escape(b.label)}：{number(b.value)}{escape(unit)}</title></rect>')
        if printed:
            lines.append(f'<text class="bar-value" x="{_f(cx)}" y="{_f(min(top, base) - 4)}" '
                         f'text-anchor="middle">{number(b.value)}</text>')
    _references(scale, hlines, (), lines)
    lines.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_f(base)}" y2="{_f(base)}"/>')
    lines.append("</svg>")
    return Markup("".join(lines))
