"""The quarterly report as it is read: sections of paragraphs, tables and charts, in Chinese; pure.

One ``Report`` feeds the PDF, the workbook (one sheet per ``Table``) and the JSON answer, so the three
always hold the same numbers. Cells keep their values (a rate as a fraction, a change in percentage points
as a float); a column's ``kind`` says how to show them (``cell_text``), and the workbook keeps them numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from zhichao.domain.quarterly import Quarter
from zhichao.domain.regions import RegionTable

TEXT, INT, NUMBER, PERCENT, PP, CHANGE, RANK_CHANGE, DATETIME = (
    "text", "int", "number", "percent", "pp", "change", "rank_change", "datetime")  # fmt: skip
KINDS = (TEXT, INT, NUMBER, PERCENT, PP, CHANGE, RANK_CHANGE, DATETIME)
DASH = "—"


@dataclass(frozen=True, slots=True)
class Col:
    """A column: ``key`` in JSON, ``title`` on paper, ``kind`` (``KINDS``), ``width`` in characters (workbook)."""

    key: str
    title: str
    kind: str = TEXT
    width: float = 12.0


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # stable English identifier (JSON)
    sheet: str  # the workbook's sheet name (unique, at most 31 characters)
    title: str
    columns: tuple[Col, ...]
    rows: tuple[tuple[object, ...], ...]
    note: str = ""
    pdf_rows: int | None = None  # the PDF prints the first n rows (and says so); the workbook has all


@dataclass(frozen=True, slots=True)
class Chart:
    kind: str  # bar, hbar or line
    title: str
    unit: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    days: tuple[date, ...] = ()  # a line chart's days, one per value


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[str, ...]
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    landscape: bool = False  # wide tables: printed on landscape pages


@dataclass(frozen=True, slots=True)
class Highlight:
    """A headline figure on the report's first pages."""

    label: str
    value: str
    change: str


@dataclass(frozen=True, slots=True)
class Report:
    quarter: Quarter
    title: str
    city: str
    authority: str
    period: str  # 2026年7月1日至2026年9月30日, or … 截至 …
    as_of: date | None  # the last day covered while the quarter runs; None once it has ended
    generated_at: datetime  # local time
    method: tuple[str, ...]  # how each figure is counted
    highlights: tuple[Highlight, ...]
    sections: tuple[Section, ...]

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(t for s in self.sections for t in s.tables)


def cn_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def pct_text(fraction: float | None, digits: int = 2) -> str:
    return DASH if fraction is None else f"{fraction * 100:.{digits}f}%"


def signed(value: float, digits: int) -> str:
    text = f"{value:+.{digits}f}"
    return "0" if float(text) == 0 else text


def cell_text(value: object, kind: str) -> str:
    """A cell as printed: rates in percent, changes signed, rank moves as ↑/↓, times to the minute, None as —."""
    if value is None or value == "":
        return DASH
    if kind == PERCENT and isinstance(value, (int, float)):
        return pct_text(value)
    if kind == CHANGE and isinstance(value, (int, float)):
        return signed(value * 100, 1) + "%"
    if kind == PP and isinstance(value, (int, float)):
        return signed(value, 2)
    if kind == RANK_CHANGE and isinstance(value, int):
        return "持平" if value == 0 else (f"↑{value}" if value > 0 else f"↓{-value}")
    if kind == NUMBER and isinstance(value, (int, float)):
        return f"{value:,.2f}"
    if kind == INT and isinstance(value, int):
        return f"{value:,}"
    if kind == DATETIME and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def change_words(change: float | None) -> str:
    """A relative change in words: 增加 12.5%, 减少 3.0%, 持平, or 无可比数据 (after 较上季度)."""
    if change is None:
        return "无可比数据"
    if round(change * 100, 1) == 0:
        return "持平"
    return f"{'增加' if change > 0 else '减少'} {abs(change) * 100:.1f}%"


def pp_words(points: float | None) -> str:
    if points is None:
        return "无可比数据"
    if round(points, 2) == 0:
        return "持平"
    return f"{'上升' if points > 0 else '下降'} {abs(points):.2f} 个百分点"


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def table(key: str, sheet: str, title: str, columns: Sequence[Col], rows: Sequence[Sequence[object]], *,
          note: str = "", pdf_rows: int | None = None) -> Table:
    """A ``Table``, checking that every row has one value per column."""
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"table {key}: a row of {len(row)} values for {len(columns)} columns")
    return Table(key, sheet, title, tuple(columns), tuple(tuple(r) for r in rows), note, pdf_rows)


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """What the wording needs besides the figures: who reports, the actionable line in words, which plates
    are local, the registration regions and the display time zone."""

    city: str
    authority: str
    rule_note: str  # e.g. 超限率超过 20%（ZJ-2020 浙江省公路条例第五十三条）
    local_prefixes: tuple[str, ...]
    regions: RegionTable
    tz: tzinfo
