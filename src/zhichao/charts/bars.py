"""Horizontal bars for rankings with long labels (site names, provinces), and a stylesheet embedded in a
chart for documents, where the page's stylesheet does not reach inside an ``<svg>`` (WeasyPrint draws inline
SVG with the SVG's own styles only). Same conventions as ``svg.py``: a fixed ``viewBox`` width, escaped text,
colours by class, 暂无数据 for nothing to draw."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from zhichao.charts.svg import WIDTH, Bar, empty_chart, nice_ticks, number

LABEL_W, VALUE_W, ROW_H, TOP, BOTTOM = 150, 44, 17, 30, 22  # room for labels, values after bars, rows, title, ticks


def _short(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def hbar_chart(bars: Sequence[Bar], *, title: str, unit: str = "", label_chars: int = 12,
               label_width: int = LABEL_W) -> Markup:
    """One bar per row from zero to the right, label on the left (``label_width`` of the viewBox, cut to
    ``label_chars`` characters, the whole label in the bar's tooltip), the value after the bar; the chart is
    as tall as its rows need."""
    values = [b.value for b in bars if b.value is not None]
    if not values:
        return empty_chart(title, unit, "hbar")
    ticks = nice_ticks(0.0, max(max(values), 0.0) or 1.0, count=4)
    high = ticks[-1] or 1.0
    inner = WIDTH - label_width - VALUE_W
    height = TOP + ROW_H * len(bars) + BOTTOM
    label = f"{title}（{unit}）" if unit else title
    parts = [
        f'<svg class="chart chart-hbar" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(label)}</title>",
        f'<text class="chart-title" x="8" y="18">{escape(title)}'
        + (f'<tspan class="chart-unit" dx="8">{escape(unit)}</tspan>' if unit else "") + "</text>",
    ]
    bottom = TOP + ROW_H * len(bars)
    parts += _grid([t for t in ticks if t >= 0], label_width, inner / high, bottom)
    for i, b in enumerate(bars):
        y = TOP + ROW_H * i
        parts.append(f'<text class="tick hbar-label" x="{label_width - 6}" y="{y + ROW_H * 0.68:.1f}" '
                     f'text-anchor="end">{escape(_short(b.label, label_chars))}</text>')
        if b.value is None:
            continue
        w = max(0.0, min(b.value, high)) / high * inner
        cls = "bar" + (f" bar-{escape(b.mark)}" if b.mark else "")
        parts.append(f'<rect class="{cls}" x="{label_width}" y="{y + 3:.1f}" width="{max(w, 0.5):.1f}" '
                     f'height="{ROW_H - 6}"><title>{escape(b.label)}：{number(b.value)}{escape(unit)}</title></rect>')
        parts.append(f'<text class="bar-value" x="{label_width + w + 4:.1f}" y="{y + ROW_H * 0.68:.1f}">'
                     f"{number(b.value)}</text>")
    parts.append(f'<line class="axis" x1="{label_width}" x2="{label_width}" y1="{TOP}" y2="{bottom}"/></svg>')
    return Markup("".join(parts))


def _grid(ticks: Sequence[float], left: float, per_unit: float, bottom: float) -> list[str]:
    """Vertical grid lines at the ticks, labelled under the rows."""
    out = []
    for t in ticks:
        x = left + t * per_unit
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{bottom}"/>')
        out.append(f'<text class="tick" x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">{number(t)}</text>')
    return out


def with_style(chart: Markup, css: str) -> Markup:
    """``chart`` with ``<style>`` holding ``css`` as its first child (for documents; the console's CSP forbids it).
    ``css`` is the caller's own stylesheet, never user input; it may not close the element."""
    if "</" in css:
        raise ValueError("a chart stylesheet may not contain '</'")
    text = str(chart)
    end = text.index(">") + 1
    return Markup(text[:end] + f"<style>{css}</style>" + text[end:])

