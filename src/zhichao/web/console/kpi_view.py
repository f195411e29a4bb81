"""The KPI dashboard's rows and cards, formatted for the page (web/console/kpi_pages.py): each goal
against its target with its colour and the link to the numbers behind it, the month trend as chart
data, the sites' table, the related statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from zhichao.domain import kpis as K
from zhichao.domain.device_kpis import EXCLUSION_LABELS as DEVICE_EXCLUSIONS
from zhichao.services.kpis import Dashboard
from zhichao.web.console import labels as L

STATUS_LABELS = {K.GREEN: "达标", K.AMBER: "接近目标", K.RED: "未达标"}
PART_LABELS = {"decided": "已作出处罚决定", "transferred": "其中已抄告登记地"}
TRANSFER_LABELS = {"sent": "已发出", "received": "对方已接收", "handled": "对方已处理", "returned": "对方退回"}
BAND_NAMES = tuple(f"{b * 10}–{b * 10 + 10}%" for b in range(10)) + ("≥100%",)
EXCLUDED = {**DEVICE_EXCLUSIONS, **K.EXCLUSION_LABELS}


def pct(value: float | None, digits: int = 1) -> str:
    return L.NOTHING if value is None else f"{value * 100:.{digits}f}%"


def target_text(spec: K.KpiSpec, goal: float | None) -> str:
    if goal is None:
        return "未设目标"
    return f"{'≥' if spec.direction == K.AT_LEAST else '≤'} {goal * 100:g}%"


@dataclass(frozen=True, slots=True)
class Card:
    id: str
    number: int
    label: str
    value: str
    target: str
    status: str | None
    status_label: str
    numerator: int
    denominator: int
    rule: str
    parts: list[tuple[str, int]]
    excluded: list[dict[str, Any]]
    link: str
    link_label: str


def _link(kpi: str, start: date, end: date, county: str | None) -> tuple[str, str]:
    period = {"start": start.isoformat(), "end": end.isoformat(), **({"county": county} if county else {})}
    if kpi == K.HANDHELD_SHARE:
        return "/console/inspections?" + urlencode(period), "检查记录"
    if kpi in (K.LOCAL_DISPOSAL, K.CASE_PENALTY):
        opened = {"opened_from": start.isoformat(), "opened_to": end.isoformat(),
                  **({"county": county} if county else {})}
        if kpi == K.LOCAL_DISPOSAL:
            query = urlencode({**opened, "local": "local", "outcome": "undisposed"})
            return f"/console/cases?{query}", "未处置的本地案件"
        return "/console/cases?" + urlencode({**opened, "outcome": "unpenalised"}), "未处罚的有效案件"
    if kpi == K.HIGHWAY_OVERLOAD:
        return "/entrances?" + urlencode({"start": start.isoformat(), "end": end.isoformat()}), "高速入口劝返"
    return "#sites", "各点位明细"


def card(value: K.KpiValue, start: date, end: date, county: str | None, names: dict[str, str]) -> Card:
    spec = K.SPEC_BY_ID[value.id]
    state = K.status(value.id, value.value, value.target)
    link, link_label = _link(value.id, start, end, county)
    excluded = [{"who": names.get(e.station_id or "", e.name) if e.station_id else e.name,
                 "reason": EXCLUDED.get(e.reason, e.reason), "days": e.days, "count": e.count,
                 "station_id": e.station_id} for e in value.excluded]
    return Card(value.id, spec.number, spec.label, pct(value.value, 2 if spec.direction == K.AT_MOST else 1),
                target_text(spec, value.target), state, STATUS_LABELS.get(state or "", "无数据"),
                value.numerator, value.denominator, value.rule,
                [(PART_LABELS.get(k, k), n) for k, n in value.parts], excluded, link, link_label)


def charts(board: Dashboard) -> dict[str, Any]:
    """The data the page's ECharts draw: each KPI by month with its target, and the overload bands."""
    months = [first.strftime("%Y-%m") for first, _ in board.months]
    series = {}
    for spec in K.SPECS:
        values = [next(v for v in vs if v.id == spec.id) for _, vs in board.months]
        series[spec.id] = {"label": spec.label, "direction": spec.direction,
                           "values": [None if v.value is None else round(v.value * 100, 3) for v in values],
                           "targets": [None if v.target is None else round(v.target * 100, 3) for v in values]}
    return {"months": months, "series": series, "bands": {"names": list(BAND_NAMES),
                                                          "trucks": board.statistics["bands"]}}


def site_rows(board: Dashboard) -> list[dict[str, Any]]:
    """One row per enforcement site: KPI 1's device-days and KPI 5's trucks, or why it was left out."""
    by_id = {v.id: v for v in board.report.values}
    online = {s: (n, d) for s, n, d in by_id[K.ONLINE_RATE].by_station}
    normal = {s: (n, d) for s, n, d in by_id[K.NORMAL_RATE].by_station}
    site = by_id[K.SITE_OVERLOAD]
    weighed = {s: (n, d) for s, n, d in site.by_station}
    left_out = {e.station_id: e for e in site.excluded}
    rows = []
    for station_id, name in sorted(board.site_names.items()):
        counted, trucks = weighed.get(station_id, (0, 0))
        gone = left_out.get(station_id)
        over: int | None = None if gone is not None else counted
        if gone is not None:
            trucks = gone.count
        rate = over / trucks if over is not None and trucks else None
        rows.append({"id": station_id, "name": name,
                     "online": _share(online.get(station_id)), "normal": _share(normal.get(station_id)),
                     "trucks": trucks, "over": over, "rate": pct(rate, 2), "rate_value": -1.0 if rate is None else rate,
                     "excluded": EXCLUDED.get(gone.reason, gone.reason) if gone else ""})
    return sorted(rows, key=lambda r: (-r["rate_value"], r["id"]))


def _share(pair: tuple[int, int] | None) -> str:
    return L.NOTHING if not pair or not pair[1] else f"{pair[0]}/{pair[1]} 天（{pair[0] / pair[1] * 100:.0f}%）"


def statistics(stats: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, value, note) of the related statistics."""
    per_10k = stats["over_100_per_10k"]
    transfers = stats["transfers"]
    return [
        ("称重货车", f"{stats['trucks']:,}", "非现场执法点位"),
        ("超限车辆", f"{stats['overloaded']:,}",
         pct(stats["overloaded"] / stats["trucks"], 2) if stats["trucks"] else ""),
        ("超限100%以上（每万车）", L.NOTHING if per_10k is None else f"{per_10k:.2f}", f"{stats['bands'][-1]:,} 辆"),
        ("百吨王（总重≥100吨）", f"{stats['gross_100t']:,}", "辆次"),
        ("80吨以上车辆审核率", pct(stats["gross_80t_reviewed_share"]),
         f"80吨以上 {stats['gross_80t']:,} 辆次，已审结 {stats['gross_80t_reviewed']:,}，待审 "
         f"{stats['gross_80t_queued'] - stats['gross_80t_reviewed']:,}"),
        ("抄告案件", f"{sum(transfers.values()):,}",
         "，".join(f"{TRANSFER_LABELS.get(k, k)} {n}" for k, n in sorted(transfers.items())) or "本期无"),
    ]


def presets(today: date) -> list[tuple[str, date, date]]:
    """(label, from, to) of the periods a leader asks for most."""
    quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    last_quarter_end = quarter - timedelta(days=1)
    last_quarter = date(last_quarter_end.year, (last_quarter_end.month - 1) // 3 * 3 + 1, 1)
    return [("本月", today.replace(day=1), today), ("本季度", quarter, today),
            ("上季度", last_quarter, last_quarter_end), ("本年", date(today.year, 1, 1), today),
            ("上年", date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))]
