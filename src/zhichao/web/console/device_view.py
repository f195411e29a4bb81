"""View builders of the device pages (设备运行, 站点详情, 报修): from the read models of
``services/device_views.py`` to what the templates show. Pure: no request, no clock (``now`` is an
argument), no I/O. Codes become Chinese here, through ``labels``; colours always come with a text label.

Units as the read models carry them: ``read_rate`` is a fraction (0.93 = 93 %), ``drift_pct``,
``pair_median_pct`` and ``mpe_pct`` are percentages, weights are kg, ``clock_offset_s`` is seconds
(station clock minus server), ``out_hours`` is hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urlencode

from zhichao.services.device_views import FindingView, StationStatus, Ticket
from zhichao.web.console import labels as L
from zhichao.web.console import network_map

READ_RATE_MIN = 0.90  # below this the plate read rate is flagged (the quality sweep's read_rate_low)
CLOCK_WARN_S, CLOCK_BAD_S = 2.0, 60.0  # clock offsets shown amber / red (capture times are evidence)
LEVEL_RANK = {"alarm": 2, "warn": 1}
REASONS = {**L.HEALTH_REASONS, **L.FINDINGS}  # an event's reason code; other codes are not shown


def condition(s: StationStatus) -> str:
    """What the board colours a station by: ``repair`` / ``stopped`` over its health (``up``/``late``/``down``)."""
    return s.state if s.state in {"repair", "stopped"} else s.health


def worst_finding(findings: Iterable[FindingView]) -> FindingView | None:
    """The finding to show in one cell: alarms before warnings, then the one furthest past its threshold."""

    def key(f: FindingView) -> tuple[int, float]:
        excess = abs(f.value) / abs(f.threshold) if f.threshold else 0.0
        return LEVEL_RANK.get(f.level, 0), excess

    return max(findings, key=key, default=None)


# --- formats --------------------------------------------------------------------------------------


def duration(hours: float) -> str:
    """``2 天 5 小时``, ``7 小时``, ``不足 1 小时`` (rounded to the hour)."""
    whole = round(hours)
    if whole < 1:
        return "不足 1 小时"
    days, rest = divmod(whole, 24)
    return f"{days} 天 {rest} 小时" if days else f"{rest} 小时"


def clock_offset(seconds: float | None) -> tuple[str, str]:
    """The station clock's offset as text (``+1.2 秒``, ``−3 分 5 秒``, ``+2 小时 4 分``) and a level
    (``ok``, ``warn``, ``bad``, ``none``)."""
    if seconds is None:
        return L.NOTHING, "none"
    sign, size = ("−" if seconds < 0 else "+"), abs(seconds)
    if size < 60:
        text = f"{sign}{size:.1f} 秒"
    elif size < 3600:
        text = f"{sign}{int(size // 60)} 分 {int(size % 60)} 秒"
    else:
        text = f"{sign}{int(size // 3600)} 小时 {int(size % 3600 // 60)} 分"
    return text, "bad" if size >= CLOCK_BAD_S else "warn" if size >= CLOCK_WARN_S else "ok"


def ago(at: datetime | None, now: datetime) -> str:
    """``刚刚``, ``12 分钟前``, ``3 小时前``, ``5 天前``; — when never."""
    if at is None:
        return L.NOTHING
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)} 分钟前"
    if seconds < 86400:
        return f"{int(seconds // 3600)} 小时前"
    return f"{int(seconds // 86400)} 天前"


def when(at: datetime | None, tz: tzinfo) -> str:
    return L.full_time(at, tz) if at else L.NOTHING


def pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return L.NOTHING
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def rate(value: float | None) -> tuple[str, str]:
    """A read rate (fraction) as ``93.4%`` and its level (``ok``, ``bad``, ``none``)."""
    if value is None:
        return L.NOTHING, "none"
    return f"{value * 100:.1f}%", "bad" if value < READ_RATE_MIN else "ok"


def station_url(station_id: str) -> str:
    return "/console/stations/" + station_id


def ticket_url(ticket_id: int) -> str:
    return f"/console/tickets#ticket-{ticket_id}"


# --- the board ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """The board's filter as the query string carries it (values that cannot be used are dropped)."""

    health: str = ""  # a condition: up, late, down, repair, stopped
    quality: str = ""  # ok, warn, alarm
    cert: str = ""  # a cert_status: expiring, expired, missing, not_yet
    suspended: bool = False

    @classmethod
    def parse(cls, health: str = "", quality: str = "", cert: str = "", suspended: str = "") -> BoardFilter:
        return cls(health if health in L.CONDITIONS else "", quality if quality in L.QUALITY else "",
                   cert if cert in L.DEVICE_CERT_STATES else "", suspended in {"1", "true", "on", "yes"})

    def query(self) -> str:
        pairs = [("health", self.health), ("quality", self.quality), ("cert", self.cert),
                 ("suspended", "1" if self.suspended else "")]
        return urlencode([(k, v) for k, v in pairs if v])

    def matches(self, s: StationStatus) -> bool:
        return ((not self.health or condition(s) == self.health)
                and (not self.quality or s.quality == self.quality)
                and (not self.cert or s.cert_status == self.cert)
                and (not self.suspended or s.suspended_since is not None))

    def describe(self) -> str:
        """The filter in words, for the page (``离线 · 数据质量告警``); "" when nothing is filtered."""
        words = [L.label(L.CONDITIONS, self.health, "")]
        words.append(f"数据质量{L.QUALITY[self.quality]}" if self.quality else "")
        words.append(f"证书{L.DEVICE_CERT_STATES[self.cert]}" if self.cert else "")
        words.append("暂停执法" if self.suspended else "")
        return " · ".join(w for w in words if w)


NO_FILTER = BoardFilter()


@dataclass(frozen=True, slots=True)
class Headline:
    """One count at the top of the board: a link that filters the board to those stations."""

    label: str
    count: int
    href: str
    tone: str  # up, late, down, grey, warn, bad
    active: bool


def headlines(statuses: Sequence[StationStatus], current: BoardFilter) -> list[Headline]:
    conditions = [condition(s) for s in statuses]
    tones = {"up": "up", "late": "late", "down": "down", "repair": "grey", "stopped": "grey"}
    items: list[tuple[str, int, BoardFilter, str]] = [
        (L.CONDITIONS[c], conditions.count(c), BoardFilter(health=c), tones[c]) for c in L.CONDITIONS
    ]
    items += [
        ("质量告警", sum(s.quality == "alarm" for s in statuses), BoardFilter(quality="alarm"), "bad"),
        ("质量预警", sum(s.quality == "warn" for s in statuses), BoardFilter(quality="warn"), "warn"),
        ("暂停执法", sum(s.suspended_since is not None for s in statuses), BoardFilter(suspended=True), "bad"),
        ("证书即将到期", sum(s.cert_status == "expiring" for s in statuses), BoardFilter(cert="expiring"), "warn"),
        ("证书已过期", sum(s.cert_status == "expired" for s in statuses), BoardFilter(cert="expired"), "bad"),
    ]
    for code in ("missing", "not_yet"):  # rare: shown only when it happens
        n = sum(s.cert_status == code for s in statuses)
        if n:
            items.append((f"证书{L.DEVICE_CERT_STATES[code]}", n, BoardFilter(cert=code), "bad"))
    return [Headline(label, n, "/console/board?" + f.query(), tone, f == current) for label, n, f, tone in items]


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One station of the board's table, every cell formatted; ``*_level`` / ``*_code`` pick colours."""

    station_id: str
    name: str
    url: str
    road: str
    condition_code: str
    condition: str
    since: str
    reason: str
    quality_code: str
    quality: str
    quality_text: str
    suspended: bool
    suspended_since: str
    drift: str
    drift_level: str
    read_rate: str
    read_rate_level: str
    last_record: str
    last_record_at: str
    last_heartbeat: str
    last_heartbeat_at: str
    clock: str
    clock_level: str
    cert_valid_to: str
    cert_code: str
    cert: str
    ticket_id: int | None
    ticket_url: str


def board_row(s: StationStatus, now: datetime, tz: tzinfo) -> BoardRow:
    worst = worst_finding(s.findings)
    drift_finding = worst_finding(f for f in s.findings if f.code == "calibration_drift")
    rate_text, rate_level = rate(s.read_rate)
    clock_text, clock_level = clock_offset(s.clock_offset_s)
    cond = condition(s)
    return BoardRow(
        station_id=s.station_id, name=s.name, url=station_url(s.station_id),
        road=" ".join(p for p in (s.road, s.stake) if p) or L.NOTHING,
        condition_code=cond, condition=L.label(L.CONDITIONS, cond),
        since=when(s.health_since, tz) if s.health_since and cond in {"late", "down"} else "",
        reason=L.label(L.HEALTH_REASONS, s.health_reason, "") if cond in {"late", "down"} else "",
        quality_code=s.quality or "none", quality=L.label(L.QUALITY, s.quality, "数据不足"),
        quality_text=worst.message if worst else "",
        suspended=s.suspended_since is not None, suspended_since=when(s.suspended_since, tz),
        drift=pct(s.drift_pct, signed=True), drift_level=drift_finding.level if drift_finding else "ok",
        read_rate=rate_text, read_rate_level=rate_level,
        last_record=ago(s.last_record_at, now), last_record_at=when(s.last_record_at, tz),
        last_heartbeat=ago(s.last_heartbeat_at, now), last_heartbeat_at=when(s.last_heartbeat_at, tz),
        clock=clock_text, clock_level=clock_level,
        cert_valid_to=s.cert_valid_to.isoformat() if s.cert_valid_to else L.NOTHING,
        cert_code=s.cert_status, cert=L.label(L.DEVICE_CERT_STATES, s.cert_status),
        ticket_id=s.open_ticket, ticket_url=ticket_url(s.open_ticket) if s.open_ticket is not None else "",
    )  # fmt: skip


def county_name(code: str | None) -> str:
    return L.label(L.COUNTIES, code, L.NO_COUNTY)


def _county_key(s: StationStatus) -> tuple[bool, str, str]:
    return s.county_code is None, s.county_code or "", s.station_id


def board_groups(statuses: Sequence[StationStatus], now: datetime, tz: tzinfo) -> list[tuple[str, list[BoardRow]]]:
    """The table's rows by county (GB/T 2260 order, stations without a county last), by id within each."""
    groups: dict[str, list[BoardRow]] = {}
    for s in sorted(statuses, key=_county_key):
        groups.setdefault(county_name(s.county_code), []).append(board_row(s, now, tz))
    return list(groups.items())


@dataclass(frozen=True, slots=True)
class MapDot:
    station_id: str
    url: str
    x: float
    y: float
    fill: str  # up, late, down, grey
    ring: str  # "", warn, bad
    tooltip: str
    dimmed: bool  # not matched by the board's filter


@dataclass(frozen=True, slots=True)
class MapLabel:
    text: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class NetworkMap:
    width: float
    height: float
    dots: list[MapDot]
    counties: list[MapLabel]
    unplaced: int  # stations without coordinates: not drawn


def _ring(s: StationStatus) -> str:
    if s.suspended_since is not None or s.quality == "alarm":
        return "bad"
    return "warn" if s.quality == "warn" else ""


def _tooltip(s: StationStatus) -> str:
    parts = [s.name, L.label(L.CONDITIONS, condition(s))]
    if s.quality in {"warn", "alarm"}:
        parts.append("数据质量" + L.QUALITY[s.quality])
    if s.suspended_since is not None:
        parts.append("暂停执法")
    return " · ".join(parts)


def network(statuses: Sequence[StationStatus], shown: BoardFilter = NO_FILTER,
            frame: network_map.Frame = network_map.FRAME) -> NetworkMap:
    """The map: one dot per station with coordinates, coloured by condition, ringed by quality; stations
    that ``shown`` does not match are dimmed, not removed (the map keeps its shape)."""
    placed = [s for s in statuses if s.lat is not None and s.lon is not None]
    points = network_map.project([(s.lat or 0.0, s.lon or 0.0) for s in placed], frame)
    tones = {"up": "up", "late": "late", "down": "down"}
    dots = [MapDot(s.station_id, station_url(s.station_id), round(x, 1), round(y, 1),
                   tones.get(condition(s), "grey"), _ring(s), _tooltip(s), not shown.matches(s))
            for s, (x, y) in zip(placed, points, strict=True)]
    by_county: dict[str, list[tuple[float, float]]] = {}
    for s, p in zip(placed, points, strict=True):
        if s.county_code:
            by_county.setdefault(county_name(s.county_code), []).append(p)
    labels = [MapLabel(name, round(x, 1), round(y, 1)) for name, (x, y) in network_map.centroids(by_county).items()]
    return NetworkMap(frame.width, frame.height, dots, labels, len(statuses) - len(placed))


# --- tickets --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TicketRow:
    id: int
    anchor: str
    station_id: str
    station_name: str
    station_url: str
    state_code: str
    state: str
    fault: str
    opened: str
    opened_by: str
    assignee: str
    assigned: str
    closed: str
    closed_by: str
    out: str
    resolution: str
    version: int


def ticket_row(t: Ticket, tz: tzinfo) -> TicketRow:
    return TicketRow(
        id=t.id, anchor=f"ticket-{t.id}", station_id=t.station_id, station_name=t.station_name,
        station_url=station_url(t.station_id), state_code=t.state, state=L.label(L.TICKET_STATES, t.state),
        fault=t.fault, opened=when(t.opened_at, tz), opened_by=t.opened_by, assignee=t.assignee or L.NOTHING,
        assigned=when(t.assigned_at, tz) if t.assigned_at else "", closed=when(t.closed_at, tz),
        closed_by=t.closed_by or "", out=duration(t.out_hours), resolution=t.resolution or L.NOTHING,
        version=t.version,
    )  # fmt: skip


def ticket_counts(tickets: Sequence[Ticket]) -> dict[str, int]:
    return {code: sum(t.state == code for t in tickets) for code in L.TICKET_STATES}


def ticket_state_filter(state: str) -> str:
    return state if state in L.TICKET_STATES else ""
