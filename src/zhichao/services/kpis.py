"""The bureau's six goals for a period and a county (KPIS.md), month by month for the dashboard, with the
province's related statistics and the bureau's own targets. The arithmetic is in domain/kpis.py (and for
KPI 1, 2 and 6 in their features' modules); this module gathers the counts.

Costs (docs/benchmarks.md, "KPI dashboard"): the enforcement sites' numbers are one read of the day
counters (station × day), the cases one indexed count per month, the devices the quality sweep's day
rows; nothing reads ``records``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from zhichao.domain import kpis as K
from zhichao.domain.judge import TOP_BAND
from zhichao.services.cases import CaseRepository, case_counts
from zhichao.services.device_kpis import check_period
from zhichao.services.devices import Devices
from zhichao.services.entrance import EntranceContext, day_span, highway_kpi
from zhichao.services.errors import InvalidInput, PermissionDenied
from zhichao.services.inspections import InspectionContext, handheld_kpi
from zhichao.services.ports import StationRepository, User

SITE = "site"
TARGET_ROLES = frozenset({"leader", "admin"})
TARGET_YEARS = (2019, 2100)


class KpiReader(Protocol):
    def site_days(self, start: date, end: date, county: str | None,
                  line_band: int | None) -> list[tuple[str, date, int, int]]: ...

    def bands(self, start: date, end: date, county: str | None) -> list[dict[str, int]]: ...

    def heavy_reviews(self, start: datetime, end: datetime, county: str | None) -> tuple[int, int]: ...

    def transfers(self, start: datetime, end: datetime, county: str | None) -> dict[str, int]: ...

    def targets(self) -> list[tuple[str, int, float]]: ...

    def set_target(self, kpi: str, year: int, value: float | None, user_id: int, actor: str,
                   now: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class KpiContext:
    reader: KpiReader
    cases: CaseRepository
    devices: Devices
    inspections: InspectionContext
    entrance: EntranceContext
    stations: StationRepository
    tz: tzinfo
    local_prefixes: tuple[str, ...]
    site_rule: K.SiteRule
    line_band: int | None  # KPI 5's line as an overload band; None: the rule set's line (actionable)


@dataclass(frozen=True, slots=True)
class KpiReport:
    start: date
    end: date  # as asked
    last: date  # the last day counted: ``end``, or today when the period runs on
    county: str | None
    trucks_weighed: int
    values: tuple[K.KpiValue, ...]


def counted_period(start: date, end: date, today: date) -> date:
    """The last day to count; a reversed, overlong or not yet begun period is refused."""
    check_period(start, end)
    if start > today:
        raise InvalidInput("period_in_future", f"统计期间从 {start.isoformat()} 开始，尚未到来",
                           {"from": start.isoformat(), "today": today.isoformat()})
    return min(end, today)


def months(start: date, last: date) -> list[tuple[date, date]]:
    """The calendar months from ``start`` to ``last``, clipped to them."""
    out, first = [], start
    while first <= last:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((first, min(last, following - timedelta(days=1))))
        first = following
    return out


def _sites(ctx: KpiContext, county: str | None) -> dict[str, str]:
    return {s.station_id: s.name for s in ctx.stations.all()
            if s.kind == SITE and (county is None or s.county_code == county)}


def _site_value(rows: Sequence[tuple[str, date, int, int]], sites: dict[str, str], start: date, end: date,
                rule: K.SiteRule) -> K.KpiValue:
    trucks: dict[str, int] = defaultdict(int)
    over: dict[str, int] = defaultdict(int)
    days: dict[str, int] = defaultdict(int)
    for station_id, day, t, o in rows:
        if start <= day <= end and station_id in sites:
            trucks[station_id] += t
            over[station_id] += o
            days[station_id] += 1
    counts = [K.SiteCounts(s, name, trucks[s], over[s], days[s]) for s, name in sites.items()]
    return K.site_overload_rate(counts, (end - start).days + 1, rule, end.year)


def _values(ctx: KpiContext, start: date, last: date, county: str | None, now: datetime,
            rows: Sequence[tuple[str, date, int, int]], sites: dict[str, str],
            cases: K.CaseCounts) -> tuple[K.KpiValue, ...]:
    online, normal = ctx.devices.kpis(start, last, county, now)
    return (online, normal, handheld_kpi(ctx.inspections, start, last, county),
            K.local_disposal_rate(cases, last.year), K.valid_case_penalty_rate(cases, last.year),
            _site_value(rows, sites, start, last, ctx.site_rule), highway_kpi(ctx.entrance, start, last, county))


def _cases(ctx: KpiContext, start: date, last: date, county: str | None) -> K.CaseCounts:
    return case_counts(ctx.cases, start, last, county, ctx.local_prefixes)


def _targeted(values: Sequence[K.KpiValue], year: int, targets: K.Targets) -> tuple[K.KpiValue, ...]:
    return tuple(K.with_target(v, year, targets) for v in values)


def kpis(ctx: KpiContext, start: date, end: date, county: str | None, now: datetime) -> KpiReport:
    """The six goals over the local days ``start``–``end`` (up to today) for ``county`` or the whole city."""
    last = counted_period(start, end, now.astimezone(ctx.tz).date())
    sites = _sites(ctx, county)
    rows = ctx.reader.site_days(start, last, county, ctx.line_band)
    values = _values(ctx, start, last, county, now, rows, sites, _cases(ctx, start, last, county))
    targets = K.merge_targets(K.DEFAULT_TARGETS, ctx.reader.targets())
    return KpiReport(start, end, last, county, sum(t for s, _, t, _ in rows if s in sites),
                     _targeted(values, last.year, targets))


@dataclass(frozen=True, slots=True)
class Dashboard:
    report: KpiReport
    months: tuple[tuple[date, tuple[K.KpiValue, ...]], ...]  # (first day counted, values) per month
    statistics: dict[str, Any]
    site_names: dict[str, str]


def dashboard(ctx: KpiContext, start: date, end: date, county: str | None, now: datetime) -> Dashboard:
    """The report for the period, the same month by month, and the related statistics."""
    last = counted_period(start, end, now.astimezone(ctx.tz).date())
    sites = _sites(ctx, county)
    rows = ctx.reader.site_days(start, last, county, ctx.line_band)
    targets = K.merge_targets(K.DEFAULT_TARGETS, ctx.reader.targets())
    per_month, total = [], None
    for first, month_end in months(start, last):
        cases = _cases(ctx, first, month_end, county)
        total = cases if total is None else K.add_case_counts(total, cases)
        values = _values(ctx, first, month_end, county, now, rows, sites, cases)
        per_month.append((first, _targeted(values, month_end.year, targets)))
    values = _values(ctx, start, last, county, now, rows, sites, total or _cases(ctx, start, last, county))
    report = KpiReport(start, end, last, county, sum(t for s, _, t, _ in rows if s in sites),
                       _targeted(values, last.year, targets))
    return Dashboard(report, tuple(per_month), statistics(ctx, start, last, county), sites)


def statistics(ctx: KpiContext, start: date, last: date, county: str | None) -> dict[str, Any]:
    """The province's related figures at the enforcement sites (KPIS.md): overload bands, 超限100% per
    10 000 trucks, 百吨王, the share of trucks of 80 t or more that were reviewed, transfers by state."""
    bands = ctx.reader.bands(start, last, county)
    trucks = sum(b["trucks"] for b in bands)
    by_band = {b["band"]: b["trucks"] for b in bands}
    heavy = sum(b["gross_80t"] for b in bands)
    lo, hi = day_span(ctx.tz, start, last)
    queued, reviewed = ctx.reader.heavy_reviews(lo, hi, county)
    return {
        "trucks": trucks, "overloaded": trucks - by_band.get(-1, 0),
        "bands": [by_band.get(b, 0) for b in range(TOP_BAND + 1)],
        "over_100_per_10k": by_band.get(TOP_BAND, 0) * 10_000 / trucks if trucks else None,
        "gross_100t": sum(b["gross_100t"] for b in bands),
        "gross_80t": heavy, "gross_80t_queued": queued, "gross_80t_reviewed": reviewed,
        "gross_80t_reviewed_share": reviewed / heavy if heavy else None,
        "transfers": ctx.reader.transfers(lo, hi, county),
    }


def targets(ctx: KpiContext) -> dict[str, dict[int, float]]:
    return K.merge_targets(K.DEFAULT_TARGETS, ctx.reader.targets())


def set_target(ctx: KpiContext, user: User, kpi: str, year: int, value: float | None, now: datetime) -> None:
    """Set the bureau's target of ``kpi`` for ``year`` (a fraction), or remove it with None."""
    if user.role not in TARGET_ROLES:
        raise PermissionDenied("role_not_allowed", "只有领导和管理员可以设定考核目标")
    if kpi not in K.SPEC_BY_ID:
        raise InvalidInput("unknown_kpi", f"没有指标 {kpi}", {"kpi": kpi})
    if not TARGET_YEARS[0] <= year <= TARGET_YEARS[1]:
        raise InvalidInput("invalid_year", f"年份必须在 {TARGET_YEARS[0]}–{TARGET_YEARS[1]} 之间", {"year": year})
    if value is not None and not 0 <= value <= 1:
        raise InvalidInput("invalid_target", "目标必须在 0–100% 之间", {"target": value})
    ctx.reader.set_target(kpi, year, value, user.id, user.display_name, now)
