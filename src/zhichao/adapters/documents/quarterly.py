"""The quarterly report as PDF (WeasyPrint) and as an Excel workbook (one sheet per table).

The PDF comes from ``quarterly_report.html`` and ``quarterly_report.css`` in ``zhichao/data/documents/``,
found as the case documents' templates are (adapters/documents/pdf.py): a file of the same name in
``templates_dir`` (setting ``documents_dir``) replaces the shipped one. Charts are inline SVG drawn here
with ``zhichao.charts``; WeasyPrint styles an inline ``<svg>`` only from a stylesheet inside it, so each
chart carries ``quarterly_charts.css``. As for the case documents, the PDF may load nothing but ``data:``
URIs.

The workbook starts with a sheet 说明 (title, period, how each figure is counted), then one sheet per table
with every row (the PDF prints the first rows of the longest tables). Rates are Excel percentages, changes
in percentage points plain numbers, times local.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from weasyprint import CSS, HTML

from zhichao.adapters.documents.pdf import DataOnlyFetcher, sandboxed_environment
from zhichao.adapters.documents.spreadsheet import DATETIME, INT, NUMBER, PERCENT, TEXT, Column, Sheet, write_xlsx
from zhichao.charts.bars import hbar_chart, with_style
from zhichao.charts.svg import Bar, bar_chart, line_chart, nice_ticks
from zhichao.domain.documents import DocumentTemplateError
from zhichao.domain.quarterly_tables import (
    CHANGE,
    KINDS,
    PP,
    RANK_CHANGE,
    Chart,
    Report,
    Table,
    cell_text,
    cn_day,
)  # fmt: skip
from zhichao.domain.quarterly_tables import DATETIME as CELL_DATETIME
from zhichao.domain.quarterly_tables import INT as CELL_INT
from zhichao.domain.quarterly_tables import NUMBER as CELL_NUMBER
from zhichao.domain.quarterly_tables import PERCENT as CELL_PERCENT

TEMPLATE, STYLESHEET, CHART_STYLESHEET = "quarterly_report.html", "quarterly_report.css", "quarterly_charts.css"
# How the workbook shows each kind of cell: changes as percentages, points and rank moves as numbers.
SHEET_KINDS = {CELL_INT: INT, CELL_NUMBER: NUMBER, CELL_PERCENT: PERCENT, CHANGE: PERCENT, PP: NUMBER,
               RANK_CHANGE: INT, CELL_DATETIME: DATETIME}
assert set(SHEET_KINDS) | {TEXT} == set(KINDS)


@lru_cache(maxsize=4)
def _environment(templates_dir: Path | None) -> SandboxedEnvironment:
    env = sandboxed_environment(templates_dir)
    env.filters.update(cell=cell_text, cn_day=cn_day)
    return env


def _source(env: SandboxedEnvironment, name: str) -> str:
    assert env.loader is not None
    text, _, _ = env.loader.get_source(env, name)
    return text


def chart_svg(chart: Chart, css: str) -> Markup:
    """One chart of the report as an inline ``<svg>`` carrying its stylesheet."""
    if chart.kind == "line":  # counts: from zero, so that a small change does not look like a big one
        top = nice_ticks(0.0, max((v for v in chart.values if v is not None), default=0.0) or 1.0)[-1]
        drawn = line_chart(list(zip(chart.days, chart.values, strict=True)), title=chart.title, unit=chart.unit,
                           y_range=(0.0, top))
    else:
        bars = [Bar(label, value) for label, value in zip(chart.labels, chart.values, strict=True)]
        if chart.kind == "hbar":
            drawn = hbar_chart(bars, title=chart.title, unit=chart.unit, label_chars=15, label_width=180)
        else:
            every = 3 if len(bars) > 12 else 1
            drawn = bar_chart(bars, title=chart.title, unit=chart.unit, label_every=every,
                              show_values=len(bars) <= 12)
    return with_style(drawn, css)


def _size(chart: Chart) -> str:
    """``full`` page width for a time line and for many bars, else ``part`` (about two thirds)."""
    return "full" if chart.kind == "line" or (chart.kind == "bar" and len(chart.values) > 12) else "part"


def render_html(report: Report, *, templates_dir: Path | None = None) -> tuple[str, str]:
    """The report's HTML and its stylesheet's text."""
    if templates_dir is not None and not templates_dir.is_dir():
        raise DocumentTemplateError(f"文书模板目录 {templates_dir} 不存在")
    env = _environment(templates_dir)
    try:
        chart_css = " ".join(_source(env, CHART_STYLESHEET).split())
        charts = {s.key: [{"svg": chart_svg(c, chart_css), "size": _size(c)} for c in s.charts]
                  for s in report.sections}
        html = env.get_template(TEMPLATE).render(r=report, charts=charts)
        return html, _source(env, STYLESHEET)
    except jinja2.TemplateNotFound as missing:
        raise DocumentTemplateError(f"报告模板 {missing.name} 不存在") from missing
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, LookupError) as error:
        raise DocumentTemplateError(f"报告模板渲染失败：{error}") from error


def render_pdf(report: Report, *, templates_dir: Path | None = None) -> bytes:
    """The report as PDF: A4 (landscape pages for the widest tables), fonts embedded, only data: URIs."""
    html, css = render_html(report, templates_dir=templates_dir)
    fetcher = DataOnlyFetcher()
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[CSS(string=css, url_fetcher=fetcher)])
    return pdf


def _sheet(t: Table) -> Sheet:
    columns = [Column(c.title, SHEET_KINDS.get(c.kind, TEXT), c.width) for c in t.columns]
    return Sheet(t.sheet, columns, t.rows)


def _about(report: Report) -> Sheet:
    rows: list[Sequence[object]] = [
        ("报告", f"{report.title}（{report.quarter.label}）"), ("编制单位", report.authority),
        ("统计期间", report.period), ("生成时间", report.generated_at.strftime("%Y-%m-%d %H:%M")),
    ]
    rows += [(h.label, f"{h.value}（较上季度{h.change}）" if h.change else h.value) for h in report.highlights]
    rows += [(f"口径 {i}", text) for i, text in enumerate(report.method, 1)]
    rows += [(t.sheet, t.title) for t in report.tables]
    return Sheet("说明", [Column("项目", TEXT, 22), Column("内容", TEXT, 100)], rows)


def write_report_xlsx(report: Report, path: Path) -> None:
    """The workbook: 说明, then one sheet per table (sheet names are the tables' ``sheet``)."""
    write_xlsx(path, [_about(report), *(_sheet(t) for t in report.tables)])
