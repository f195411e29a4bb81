"""View builders of one station's page (站点详情): its charts, findings, events, certificates and the
paired comparison, from ``services/device_views.StationDetail``. Pure, like ``device_view`` (whose formats
it uses)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from markupsafe import Markup

from zhichao.charts.svg import Band, Bar, HLine, bar_chart, day_label, line_chart, number
from zhichao.services.device_views import Certificate, FindingView, StationDetail, StationEvent
from zhichao.web.console import labels as L
from zhichao.web.console.device_view import (
    LEVEL_RANK,
    READ_RATE_MIN,
    REASONS,
    BoardRow,
    TicketRow,
    board_row,
    county_name,
    pct,
    station_url,
    ticket_row,
    when,
)


@dataclass(frozen=True, slots=True)
class ChartView:
    id: str
    title: str
    svg: Markup
    note: str


@dataclass(frozen=True, slots=True)
class FindingRow:
    code: str
    name: str
    level: str
    level_label: str
    message: str


@dataclass(frozen=True, slots=True)
class EventRow:
    time: str
    kind: str
    kind_label: str
    change: str
    message: str
    reason: str
    actor: str


@dataclass(frozen=True, slots=True)
class CertRow:
    number: str
    body: str
    accuracy: str
    valid_from: str
    valid_to: str
    recorded: str
    recorded_by: str
    current: bool


@dataclass(frozen=True, slots=True)
class PairRow:
    station_id: str
    url: str
    median: str
    pairs: int
    level: str


def finding_rows(findings: Iterable[FindingView]) -> list[FindingRow]:
    ordered = sorted(findings, key=lambda f: -LEVEL_RANK.get(f.level, 0))
    return [FindingRow(f.code, L.label(L.FINDINGS, f.code), f.level, L.label(L.QUALITY, f.level), f.message)
            for f in ordered]


def event_rows(events: Iterable[StationEvent], tz: tzinfo) -> list[EventRow]:
    rows = []
    for e in events:
        before, after = L.label(L.EVENT_STATES, e.from_state, ""), L.label(L.EVENT_STATES, e.to_state, "")
        change = f"{before} → {after}" if before and after else after
        reason = REASONS.get(e.reason or "", "" if (e.reason or "").isascii() else e.reason or "")
        rows.append(EventRow(when(e.at, tz), e.kind, L.label(L.STATION_EVENTS, e.kind), change, e.message,
                             reason, e.actor or "系统"))
    return rows


def certificate_rows(certificates: Sequence[Certificate], today: date, tz: tzinfo) -> list[CertRow]:
    return [CertRow(c.number, c.body or L.NOTHING, f"{c.accuracy_class} 级" if c.accuracy_class else L.NOTHING,
                    c.valid_from.isoformat(), c.valid_to.isoformat(), when(c.recorded_at, tz), c.recorded_by or "",
                    c.valid_from <= today <= c.valid_to) for c in certificates]


def pair_rows(pairs: Mapping[str, tuple[float, int]], mpe_pct: float) -> list[PairRow]:
    """Neighbours by how far this station differs from each, largest first."""
    rows = []
    for other, (median, n) in sorted(pairs.items(), key=lambda kv: -abs(kv[1][0])):
        level = "bad" if abs(median) > mpe_pct else "warn" if abs(median) > mpe_pct / 2 else "ok"
        rows.append(PairRow(other, station_url(other), pct(median, signed=True), n, level))
    return rows


def _mpe_lines(mpe: float, half: bool = True) -> list[HLine]:
    lines = [HLine(mpe, f"告警 +{number(mpe)}%", "bad"), HLine(-mpe, f"告警 −{number(mpe)}%", "bad")]
    if half:
        half_mpe = number(mpe / 2)
        lines += [HLine(mpe / 2, f"预警 +{half_mpe}%", "warn"), HLine(-mpe / 2, f"预警 −{half_mpe}%", "warn")]
    return [*lines, HLine(0.0, "0", "ref")]


def _steer_chart(detail: StationDetail) -> ChartView:
    points = [(d.day, None if d.steer6_median_kg is None else d.steer6_median_kg / 1000) for d in detail.days]
    title = "六轴车转向轴重中位数"
    base = detail.baseline
    if base is None or base.steer6_median_kg is None:
        svg = line_chart(points, title=title, unit="t")
        return ChartView("steer", title, svg, "尚无基线：累计足够的过车数据后建立。")
    b, m = base.steer6_median_kg / 1000, detail.mpe_pct / 100
    bands = [Band(b * (1 - m), b * (1 + m), "warn"), Band(b * (1 - m / 2), b * (1 + m / 2), "ok")]
    hlines = [HLine(b, f"基线 {b:.2f}", "ref")]
    note = (f"基线 {base.first_day.isoformat()} 至 {base.last_day.isoformat()}（{base.trucks} 辆）：{b:.2f} t；"
            f"浅绿带为 ±{number(detail.mpe_pct / 2)}%（预警以内），"
            f"浅黄带为 ±{number(detail.mpe_pct)}%（最大允许误差）。")
    svg = line_chart(points, title=title, unit="t", hlines=hlines, bands=bands)
    return ChartView("steer", title, svg, note)


def station_charts(detail: StationDetail) -> list[ChartView]:
    days, mpe = detail.days, detail.mpe_pct
    latest = days[-1] if days else None
    volume = [Bar(day_label(d.day), d.trucks, "" if d.online else "off") for d in days]
    read = [(d.day, None if d.read_rate is None else d.read_rate * 100) for d in days]
    lanes_n = max([detail.status.lanes, *(latest.lanes if latest else {})], default=0)
    lane_counts = dict(latest.lanes) if latest else {}
    lane_bars = [Bar(f"{n} 道", lane_counts.get(n, 0), "low" if not lane_counts.get(n) else "")
                 for n in range(1, lanes_n + 1)] if latest and latest.lanes else []
    hours = [Bar(str(h), v) for h, v in enumerate(latest.hours)] if latest else []
    on = f"（{day_label(latest.day)}）" if latest else ""
    return [
        ChartView("volume", "每日货车流量", bar_chart(volume, title="每日货车流量", unit="辆", show_values=False),
                  "灰色柱：当日设备不在线。"),
        ChartView("read-rate", "车牌识别率", line_chart(read, title="车牌识别率", unit="%",
                                                   hlines=[HLine(READ_RATE_MIN * 100, "阈值 90%", "bad")]),
                  "低于 90% 的日子记为数据质量问题。"),
        _steer_chart(detail),
        ChartView("drift", "计量漂移", line_chart([(d.day, d.drift_pct) for d in days], title="计量漂移（相对基线）",
                                              unit="%", hlines=_mpe_lines(mpe)),
                  f"超过 ±{number(mpe / 2)}% 预警，超过 ±{number(mpe)}%（最大允许误差）告警并暂停执法使用。"),
        ChartView("pairs", "相邻站比对", line_chart([(d.day, d.pair_median_pct) for d in days], unit="%",
                                               title="与相邻站同车称重差（中位数）", hlines=_mpe_lines(mpe, False)),
                  "同一车辆先后经过本站与相邻站时，两站总重之差的中位数。"),
        ChartView("hours", "分时段流量", bar_chart(hours, title=f"分时段流量{on}", unit="辆", label_every=3), ""),
        ChartView("lanes", "分车道流量", bar_chart(lane_bars, title=f"分车道流量{on}", unit="辆"),
                  "红色柱：当日无过车的车道。"),
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class StationPage:
    row: BoardRow
    kind: str
    county: str
    lanes: int
    state_code: str
    state: str
    suspension: str  # the banner's text; "" when enforcement use is not suspended
    cert_number: str
    cert_days_left: str
    charts: list[ChartView]
    pairs: list[PairRow]
    findings: list[FindingRow]
    events: list[EventRow]
    tickets: list[TicketRow]
    open_ticket: TicketRow | None
    certificates: list[CertRow]
    heartbeat: list[tuple[str, str]]
    mpe: str


def _days_left(valid_to: date | None, today: date) -> str:
    if valid_to is None:
        return ""
    left = (valid_to - today).days
    return f"已过期 {-left} 天" if left < 0 else "今日到期" if left == 0 else f"还剩 {left} 天"


def station_page(detail: StationDetail, now: datetime, tz: tzinfo) -> StationPage:
    s, today = detail.status, now.astimezone(tz).date()
    suspension = ""
    if s.suspended_since is not None:
        suspension = (f"暂停执法使用：自 {when(s.suspended_since, tz)} 起新记录不作为执法证据，待检定/核查。"
                      "登记合格或已调整的核查后恢复。")
    tickets = [ticket_row(t, tz) for t in detail.tickets]
    return StationPage(
        row=board_row(s, now, tz), kind=L.label(L.STATION_KINDS, s.kind), county=county_name(s.county_code),
        lanes=s.lanes, state_code=s.state, state=L.label(L.STATION_STATES, s.state), suspension=suspension,
        cert_number=s.cert_number or L.NOTHING, cert_days_left=_days_left(s.cert_valid_to, today),
        charts=station_charts(detail), pairs=pair_rows(detail.pairs, detail.mpe_pct),
        findings=finding_rows(s.findings), events=event_rows(detail.events, tz), tickets=tickets,
        open_ticket=next((t for t in tickets if t.state_code != "closed"), None),
        certificates=certificate_rows(detail.certificates, today, tz),
        heartbeat=[(str(k), str(v)) for k, v in (detail.heartbeat_status or {}).items()],
        mpe=number(detail.mpe_pct),
    )  # fmt: skip
