"""Device health: the health sweep (up / late / down, written as rows and notified after commit) and the
read models of the station board and a station's page.

The sweep reads every enabled station, asks ``domain/device_health.assess`` for its state at ``now``
and, where it differs from the stored one, changes it with a conditional update: however many sweeps
run at once, in one process or several, one of them writes the change, its event and its notice. A
station in repair or stopped is skipped: not alerted, not counted (KPI 1 excludes it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from zhichao.domain.anomalies import AnomalyPolicy
from zhichao.domain.device_health import (
    DOWN,
    JUDGED_STATES,
    NEVER_SEEN,
    Health,
    HealthPolicy,
    assess,
    certificate_status,
)
from zhichao.domain.drift import DriftPolicy
from zhichao.domain.histograms import from_json, quantile, total
from zhichao.domain.outbox import DINGTALK
from zhichao.domain.paired import PairPolicy
from zhichao.domain.quality import STEER_BIN_KG
from zhichao.services.device_views import (
    BaselineView,
    Certificate,
    DayPoint,
    FindingView,
    StationDetail,
    StationEvent,
    StationStatus,
    Ticket,
)
from zhichao.services.errors import NotFound
from zhichao.services.ports import DeviceRepository, Notice, Station, StationChange, StationRepository

REASON_TEXT = {"never_seen": "从未收到心跳或过车数据", "silent": "心跳与过车数据均已中断",
               "heartbeat_late": "心跳延迟", "no_data": "设备在线但无过车数据"}
HEALTH_TEXT = {"up": "在线", "late": "延迟", "down": "离线"}
MIN_DAY_STEER = 100  # a day's steering-axle median is charted from this many loaded trucks (a morning has few)


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """What the device services need: storage, the station registry, policies and where alerts go."""

    repo: DeviceRepository
    stations: StationRepository
    tz: ZoneInfo
    health: HealthPolicy
    recipient: str
    default_mpe_pct: float
    drift: DriftPolicy = field(default_factory=DriftPolicy)
    pairs: PairPolicy = field(default_factory=PairPolicy)
    anomalies: AnomalyPolicy = field(default_factory=AnomalyPolicy)
    console_url: str = ""


def clock_offset_s(station: Station) -> float | None:
    """The station's clock minus the server's, from its last heartbeat (``sent_at`` vs arrival)."""
    status = station.last_heartbeat_status
    if not isinstance(status, Mapping) or station.last_heartbeat_at is None:
        return None
    try:
        sent = datetime.fromisoformat(str(status.get("sent_at")))
    except ValueError:
        return None
    return (sent - station.last_heartbeat_at).total_seconds()


def _seen(value: datetime | None, tz: ZoneInfo) -> str:
    return "无" if value is None else f"{value.astimezone(tz):%Y-%m-%d %H:%M:%S}"


def _health_notice(ctx: DeviceContext, s: Station, new: Health) -> Notice | None:
    """Alert on going down and on coming back from an alerted down; ``late`` is recorded, not alerted.
    A station's first sweep only records its state: a station registered but never heard from (or a
    platform starting on a new database) is shown down on the board without a message for each."""
    if s.health is None:
        return None
    if new.state == DOWN:
        subject = f"【站点离线】{s.name}"
        head = f"### 站点离线：{s.name}（{s.station_id}）\n\n- 原因：{REASON_TEXT.get(new.reason or '', new.reason)}"
    elif s.health == DOWN and s.health_reason != NEVER_SEEN:
        subject = f"【站点恢复】{s.name}"
        state = HEALTH_TEXT[new.state] + (f"（{REASON_TEXT[new.reason]}）" if new.reason else "")
        head = f"### 站点恢复：{s.name}（{s.station_id}）\n\n- 当前：{state}"
    else:
        return None
    body = (f"{head}\n- 最近心跳：{_seen(s.last_heartbeat_at, ctx.tz)}\n- 最近过车：{_seen(s.last_received_at, ctx.tz)}"
            f"\n\n{ctx.console_url}/console/stations/{s.station_id}")
    return Notice(DINGTALK, ctx.recipient, subject, body, {"station_id": s.station_id, "health": new.state})


def sweep_health(ctx: DeviceContext, now: datetime) -> int:
    """Write every enabled station's health change since the last sweep; returns how many changed."""
    changed = 0
    for s in ctx.stations.all():
        if s.state not in JUDGED_STATES:
            continue
        new = assess(now, s.last_heartbeat_at, s.last_received_at,
                     ctx.health.with_station(s.heartbeat_interval_s, s.grace_s))
        if new.state == s.health and new.reason == s.health_reason:
            continue
        text = HEALTH_TEXT[new.state] + (f"：{REASON_TEXT[new.reason]}" if new.reason else "")
        change = StationChange("health", f"{s.name} {text}", s.health, new.state, new.reason,
                               details={"last_heartbeat_at": _iso(s.last_heartbeat_at),
                                        "last_received_at": _iso(s.last_received_at)})
        notice = _health_notice(ctx, s, new)
        values: dict[str, object] = {"health": new.state, "health_reason": new.reason}
        if new.state != s.health:
            values["health_since"] = now
        changed += ctx.repo.change_station(s.station_id, {"health": s.health, "health_reason": s.health_reason},
                                           values, now, change, notice)
    return changed


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# -- read models ------------------------------------------------------------------------------------------

def finding_views(findings: Sequence[Mapping[str, Any]]) -> tuple[FindingView, ...]:
    order = {"alarm": 0, "warn": 1}
    rows = sorted(findings, key=lambda f: order.get(str(f.get("level")), 2))
    return tuple(FindingView(str(f["code"]), str(f["level"]), str(f["message"]), float(f.get("value", 0.0)),
                             float(f.get("threshold", 0.0))) for f in rows)


def _status(ctx: DeviceContext, s: Station, now: datetime, latest: Mapping[str, Any] | None,
            open_ticket: int | None) -> StationStatus:
    today = now.astimezone(ctx.tz).date()
    health = assess(now, s.last_heartbeat_at, s.last_received_at,
                    ctx.health.with_station(s.heartbeat_interval_s, s.grace_s))
    summary = (latest or {}).get("summary") or {}
    trucks = int(summary.get("trucks", 0) or 0)
    return StationStatus(
        station_id=s.station_id, name=s.name, kind=s.kind, county_code=s.county_code, road=s.road, stake=s.stake,
        lat=s.lat, lon=s.lon, lanes=s.lanes, state=s.state, health=health.state, health_reason=health.reason,
        health_since=s.health_since, quality=s.quality, suspended_since=s.suspended_since,
        findings=finding_views((latest or {}).get("findings") or []),
        cert_number=s.cert_number, cert_valid_to=s.cert_valid_to,
        cert_status=certificate_status(s.cert_valid_from, s.cert_valid_to, today),
        last_record_at=s.last_record_at, last_heartbeat_at=s.last_heartbeat_at, clock_offset_s=clock_offset_s(s),
        open_ticket=open_ticket, drift_pct=(latest or {}).get("drift_pct"),
        read_rate=int(summary.get("plates_read", 0)) / trucks if trucks else None,
    )


def _open_tickets(ctx: DeviceContext) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in ctx.repo.tickets():
        if t["state"] != "closed":
            out.setdefault(str(t["station_id"]), int(t["id"]))
    return out


def board(ctx: DeviceContext, now: datetime) -> list[StationStatus]:
    """Every station with its health now, its quality as last swept and its latest day's findings."""
    today = now.astimezone(ctx.tz).date()
    latest: dict[str, Mapping[str, Any]] = {}
    for row in ctx.repo.days(None, today - timedelta(days=1)):
        latest[str(row["station_id"])] = row  # oldest first: the last one per station wins
    tickets = _open_tickets(ctx)
    return [_status(ctx, s, now, latest.get(s.station_id), tickets.get(s.station_id)) for s in ctx.stations.all()]


def _ticket(row: Mapping[str, Any], now: datetime) -> Ticket:
    end = row["closed_at"] or now
    return Ticket(int(row["id"]), str(row["station_id"]), str(row["station_name"]), str(row["state"]),
                  str(row["fault"]), row["opened_at"], str(row["opened_by"]), row["assignee"], row["assigned_at"],
                  row["closed_at"], row["closed_by"], row["resolution"],
                  max(0.0, (end - row["opened_at"]).total_seconds() / 3600), int(row["version"]))


def list_tickets(ctx: DeviceContext, now: datetime, state: str | None = None,
                 station_id: str | None = None) -> list[Ticket]:
    return [_ticket(r, now) for r in ctx.repo.tickets(state, station_id)]


def _day_point(row: Mapping[str, Any]) -> DayPoint:
    summary = row["summary"] or {}
    trucks = int(row["trucks"])
    steer = from_json(summary.get("steer6") or {})
    steer_median = quantile(steer, STEER_BIN_KG, 0.5) if total(steer) >= MIN_DAY_STEER else None
    return DayPoint(
        day=row["day"], trucks=trucks,
        read_rate=int(summary.get("plates_read", 0)) / trucks if trucks else None,
        steer6_median_kg=steer_median, drift_pct=row["drift_pct"],
        pair_median_pct=row["pair_median_pct"], online=bool(row["online"]), normal=bool(row["normal"]),
        findings=finding_views(row["findings"] or []), hours=tuple(summary.get("hours") or ()),
        lanes={int(k): int(v) for k, v in (summary.get("lanes") or {}).items()},
    )


def _certificates(ctx: DeviceContext, s: Station) -> list[Certificate]:
    """The certificates recorded, newest first; the one the station was registered with when it is not
    among them."""
    out = [Certificate(c["number"], c["body"], c["accuracy_class"], c["valid_from"], c["valid_to"],
                       c["recorded_at"], c["recorded_by"]) for c in ctx.repo.certificates(s.station_id)]
    registered = s.cert_number and s.cert_valid_from and s.cert_valid_to
    if registered and not any(c.number == s.cert_number for c in out):
        out.append(Certificate(str(s.cert_number), s.cert_body, s.accuracy_class, s.cert_valid_from,
                               s.cert_valid_to, None, None))
    return out


def station_detail(ctx: DeviceContext, station_id: str, now: datetime, days: int = 30) -> StationDetail:
    from zhichao.services.device_quality import baseline_for, mpe_for, pair_window

    s = ctx.stations.get(station_id)
    if s is None:
        raise NotFound("station_not_found", f"站点 {station_id} 不存在")
    today = now.astimezone(ctx.tz).date()
    rows = ctx.repo.days(station_id, today - timedelta(days=days - 1))
    tickets = list_tickets(ctx, now, station_id=station_id)
    open_ticket = next((t.id for t in tickets if t.state != "closed"), None)
    base = baseline_for(ctx, s, today)
    return StationDetail(
        status=_status(ctx, s, now, rows[-1] if rows else None, open_ticket),
        days=[_day_point(r) for r in rows],
        baseline=None if base is None else BaselineView(base.first_day, base.last_day, base.steer6_median,
                                                        base.steer5_median, base.trucks),
        mpe_pct=mpe_for(ctx, s), pairs=pair_window(ctx, station_id, today),
        events=[StationEvent(e["at"], e["kind"], e["from_state"], e["to_state"], e["reason"], e["message"],
                             e["actor"]) for e in ctx.repo.events(station_id)],
        tickets=tickets,
        certificates=_certificates(ctx, s),
        heartbeat_status=s.last_heartbeat_status if isinstance(s.last_heartbeat_status, Mapping) else None,
    )
