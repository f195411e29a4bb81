"""KPI 1 for a period and, optionally, one county: device-days from the quality sweep's days, repair days
from the tickets, exclusions from the registry (domain/device_kpis.py holds the arithmetic)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from zhichao.domain.device_kpis import DeviceFacts, days_between, device_kpis
from zhichao.domain.kpis import KpiValue
from zhichao.services.device_health import DeviceContext
from zhichao.services.errors import InvalidInput

MAX_DAYS = 3 * 366
KPI_KINDS = frozenset({"site"})  # KPI 1 counts the enforcement sites' devices (KPIS.md)


# Far wider than any record or period of the platform, and narrow enough that a day's local start, its
# UTC instant and the day after always exist (``datetime`` stops at years 1 and 9999).
MIN_DAY, MAX_DAY = date(1970, 1, 1), date(2199, 12, 31)


def check_day(day: date) -> None:
    if not MIN_DAY <= day <= MAX_DAY:
        raise InvalidInput("date_out_of_range", f"日期须在 {MIN_DAY.isoformat()} 至 {MAX_DAY.isoformat()} 之间",
                           {"date": day.isoformat()})


def check_period(start: date, end: date) -> None:
    check_day(start)
    check_day(end)
    if end < start:
        raise InvalidInput("period_reversed", "结束日期不能早于开始日期",
                           {"from": start.isoformat(), "to": end.isoformat()})
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput("period_too_long", f"统计期间最长 {MAX_DAYS} 天", {"days": (end - start).days + 1})


def _repair_days(ctx: DeviceContext, start: date, end: date, now: datetime) -> dict[str, set[date]]:
    lo = datetime.combine(start, time(), ctx.tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), ctx.tz).astimezone(UTC)
    out: dict[str, set[date]] = defaultdict(set)
    for station_id, opened, closed in ctx.repo.repair_spans(lo, hi):
        first, last = opened.astimezone(ctx.tz).date(), (closed or now).astimezone(ctx.tz).date()
        out[station_id].update(d for d in days_between(max(first, start), min(last, end)))
    return out


def device_kpi_values(ctx: DeviceContext, start: date, end: date, county: str | None,
                      now: datetime) -> tuple[KpiValue, KpiValue]:
    """The online and normal rates of the enforcement sites' devices (of ``county`` if given)."""
    check_period(start, end)
    online: dict[str, set[date]] = defaultdict(set)
    normal: dict[str, set[date]] = defaultdict(set)
    for station_id, day, is_online, is_normal in ctx.repo.day_flags(start, end):
        if is_online:
            online[station_id].add(day)
        if is_normal:
            normal[station_id].add(day)
    repair = _repair_days(ctx, start, end, now)
    devices = [
        DeviceFacts(s.station_id, s.name, s.county_code, s.state, s.opened_on, frozenset(online[s.station_id]),
                    frozenset(normal[s.station_id]), frozenset(repair[s.station_id]))
        for s in ctx.stations.all() if s.kind in KPI_KINDS and (county is None or s.county_code == county)
    ]
    return device_kpis(devices, start, end, now.astimezone(ctx.tz).date())
