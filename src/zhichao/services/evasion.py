"""The evasion sweep: the detectors (domain/evasion.py, domain/evasion_detectors.py) run over the stored
passages of a period, their findings kept in `evasion_findings` once each (docs/evasion.md); the list."""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from zhichao.domain.evasion import CLONE_REASONS, Sighting, cloned_pairs, road_km
from zhichao.domain.evasion_detectors import (
    CLONED,
    COVER_MIN_KMH,
    COVER_ROAD_KM,
    COVER_SLACK_S,
    COVERED,
    CRAWL,
    CRAWL_KMH,
    DETOUR,
    DETOUR_DAYS,
    DETOUR_MIN_DAYS,
    DETOUR_RADIUS_KM,
    KINDS,
    SITE,
    STRADDLE,
    DaySeen,
    Passage,
    Place,
    covered_plate,
    detours,
    place_km,
    sensor_evasion,
)
from zhichao.services.device_kpis import check_period
from zhichao.services.entrance import day_span
from zhichao.services.errors import InvalidInput

SWEEP_MAX_DAYS = 31  # a sweep reads every passage of its period; longer ones are split by the caller
# the widest time between an unread passage and its plated twin that `covered_plate` accepts
COVER_WINDOW = timedelta(seconds=COVER_ROAD_KM / COVER_MIN_KMH * 3600 + COVER_SLACK_S)
KIND_LABELS = {CLONED: "套牌嫌疑", COVERED: "遮挡号牌嫌疑", DETOUR: "绕行嫌疑（观察名单）", STRADDLE: "跨道行驶",
               CRAWL: "低速碾压传感器"}
REASON_LABELS = {**CLONE_REASONS, "lane_straddle": "控制器报告跨道行驶",
                 "abnormal_acceleration": "控制器报告异常加减速", "too_slow": f"车速低于 {CRAWL_KMH:g} km/h",
                 "below_verified": "车速低于称重设备检定的最低车速"}


class EvasionStore(Protocol):
    def places(self) -> list[Place]: ...

    def repeated_plates(self, start: datetime, end: datetime) -> list[str]: ...

    def sightings(self, plates: Sequence[str], start: datetime, end: datetime) -> list[Any]: ...

    def unread(self, station_ids: Sequence[str], start: datetime, end: datetime) -> list[Passage]: ...

    def plated(self, station_ids: Sequence[str], axle_counts: Iterable[int], start: datetime,
               end: datetime) -> list[Passage]: ...

    def flagged(self, station_ids: Sequence[str], slow_kmh: float, start: datetime, end: datetime) -> list[Any]: ...

    def days_seen(self, tz: tzinfo, start: datetime, end: datetime, min_days: int) -> list[DaySeen]: ...

    def findings(self, kind: str | None, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]: ...

    def add(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class EvasionContext:
    store: EvasionStore
    tz: tzinfo


def _span(ctx: EvasionContext, start: date, end: date, max_days: int | None = None) -> tuple[datetime, datetime]:
    check_period(start, end)
    if max_days is not None and (end - start).days + 1 > max_days:
        raise InvalidInput("period_too_long", f"一次检测最长 {max_days} 天", {"days": (end - start).days + 1})
    return day_span(ctx.tz, start, end)


def _iso(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).isoformat()


def _row(kind: str, plate: str, station_id: str, first: datetime, last: datetime, now: datetime,
         details: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "plate": plate, "station_id": station_id, "first_at": first, "last_at": last,
            "found_at": now, "details": details, "state": "open"}


def _clones(ctx: EvasionContext, where: dict[str, Place], lo: datetime, hi: datetime, now: datetime
            ) -> list[dict[str, Any]]:
    plates = ctx.store.repeated_plates(lo, hi)
    ids: dict[Sighting, str] = {}
    history: dict[str, list[Sighting]] = defaultdict(list)
    for row in ctx.store.sightings(plates, lo, hi):
        p = where.get(row.station_id)
        s = Sighting(row.plate, row.station_id, row.captured_at, row.axle_count, row.plate_color,
                     p.lat if p else None, p.lon if p else None)
        ids[s] = row.record_id
        history[row.plate].append(s)
    out = []
    for plate in sorted(history):
        for pair in cloned_pairs(history[plate]):
            a, b = pair.first, pair.second
            km, hours = road_km(a, b), (b.at - a.at).total_seconds() / 3600
            passages = [{"station_id": s.station_id, "record_id": ids[s], "captured_at": _iso(s.at, ctx.tz),
                         "axle_count": s.axle_count, "plate_color": s.plate_color} for s in (a, b)]
            out.append(_row(CLONED, plate, a.station_id, a.at, b.at, now, {
                "reason": pair.reason, "passages": passages, "km": None if km is None else round(km, 1),
                "minutes": round(hours * 60, 1), "kmh": round(km / hours) if km is not None and hours else None}))
    return out


def _covered(ctx: EvasionContext, places: Sequence[Place], lo: datetime, hi: datetime, now: datetime
             ) -> list[dict[str, Any]]:
    where = {p.station_id: p for p in places}
    sites = [p.station_id for p in places if p.kind == SITE]
    unread = ctx.store.unread(sites, lo, hi)
    if not unread:
        return []
    near = sorted({p.station_id for p in places for u in {u.station_id for u in unread}
                   if p.station_id != u and (km := place_km(where[u], p)) is not None and km <= COVER_ROAD_KM})
    by_station: dict[str, list[Passage]] = defaultdict(list)
    for c in ctx.store.plated(near, {u.axle_count for u in unread}, lo - COVER_WINDOW, hi + COVER_WINDOW):
        by_station[c.station_id].append(c)
    ordered = {k: sorted(v, key=lambda c: c.at) for k, v in by_station.items()}
    times = {k: [c.at for c in v] for k, v in ordered.items()}
    out = []
    for u in unread:
        candidates = [c for k, v in ordered.items() for c in v[bisect.bisect_left(times[k], u.at - COVER_WINDOW):
                                                               bisect.bisect_right(times[k], u.at + COVER_WINDOW)]]
        match = covered_plate(u, candidates, where)
        if match is None:
            continue
        c = match.passage
        out.append(_row(COVERED, c.plate, u.station_id, u.at, u.at, now, {
            "record_id": u.record_id, "direction": u.direction, "axle_weights_kg": list(u.axle_weights_kg),
            "gross_weight_kg": u.gross_weight_kg, "km": round(match.km, 1), "worst_axle_pct": match.worst_axle_pct,
            "minutes": round((c.at - u.at).total_seconds() / 60, 1),
            "candidate": {"plate": c.plate, "station_id": c.station_id, "record_id": c.record_id,
                          "captured_at": _iso(c.at, ctx.tz), "axle_weights_kg": list(c.axle_weights_kg),
                          "gross_weight_kg": c.gross_weight_kg}}))
    return out


def _detours(ctx: EvasionContext, places: Sequence[Place], end: date, start: date, now: datetime
             ) -> list[dict[str, Any]]:
    first = min(start, end - timedelta(days=DETOUR_DAYS - 1))
    lo, hi = day_span(ctx.tz, first, end)
    out = []
    for d in detours(ctx.store.days_seen(ctx.tz, lo, hi, DETOUR_MIN_DAYS), places):
        out.append(_row(DETOUR, d.plate, d.site_id, d.first_at, d.last_at, now, {
            "days": d.days, "by_station": [{"station_id": s, "days": n} for s, n in d.by_station],
            "from": first.isoformat(), "to": end.isoformat(), "min_days": DETOUR_MIN_DAYS,
            "radius_km": DETOUR_RADIUS_KM}))
    return out


def _sensor(ctx: EvasionContext, places: Sequence[Place], lo: datetime, hi: datetime, now: datetime
            ) -> list[dict[str, Any]]:
    sites = {p.station_id: p for p in places if p.kind == SITE}
    slow = max([CRAWL_KMH, *(p.speed_min_kmh or 0.0 for p in sites.values())])
    out = []
    for row in ctx.store.flagged(sorted(sites), slow, lo, hi):
        for kind, reason in sensor_evasion(row.flags or (), row.speed_kmh, sites[row.station_id].speed_min_kmh):
            out.append(_row(kind, row.plate, row.station_id, row.captured_at, row.captured_at, now, {
                "record_id": row.record_id, "reason": reason, "lane": row.lane, "speed_kmh": row.speed_kmh,
                "flags": list(row.flags or ()), "gross_weight_kg": row.gross_weight_kg,
                "overloaded": bool(row.overloaded)}))
    return out


def sweep(ctx: EvasionContext, start: date, end: date, now: datetime, kinds: Iterable[str] = KINDS
          ) -> dict[str, int]:
    """Run the detectors of ``kinds`` over the local days ``start``–``end`` (detours over the last
    ``DETOUR_DAYS`` days up to ``end``, or the period when longer) and store what is new: new findings per
    kind. Running it again adds nothing; an open detour is brought up to date instead."""
    wanted = set(kinds)
    if unknown := wanted - set(KINDS):
        raise InvalidInput("invalid_kind", f"未知的检测类型：{'、'.join(sorted(unknown))}")
    lo, hi = _span(ctx, start, end, SWEEP_MAX_DAYS)
    places = ctx.store.places()
    rows: list[dict[str, Any]] = []
    if CLONED in wanted:
        rows += _clones(ctx, {p.station_id: p for p in places}, lo, hi, now)
    if COVERED in wanted:
        rows += _covered(ctx, places, lo, hi, now)
    if DETOUR in wanted:
        rows += _detours(ctx, places, end, start, now)
    if wanted & {STRADDLE, CRAWL}:
        rows += [r for r in _sensor(ctx, places, lo, hi, now) if r["kind"] in wanted]
    counts = Counter(r["kind"] for r in ctx.store.add(rows))
    return {kind: counts[kind] for kind in KINDS if kind in wanted}


def finding_list(ctx: EvasionContext, start: date, end: date, kind: str | None = None, limit: int = 500
                 ) -> list[dict[str, Any]]:
    """Findings whose span meets the period, the latest first, with Chinese labels and local times."""
    if kind and kind not in KINDS:
        raise InvalidInput("invalid_kind", f"检测类型必须是 {'、'.join(KINDS)} 之一", {"kind": kind})
    if not 1 <= limit <= 5000:
        raise InvalidInput("invalid_limit", "limit 必须是 1–5000 的整数")
    lo, hi = _span(ctx, start, end)
    out = []
    for row in ctx.store.findings(kind or None, lo, hi, limit):
        reason = row["details"].get("reason")
        out.append({**row, "first_at": _iso(row["first_at"], ctx.tz), "last_at": _iso(row["last_at"], ctx.tz),
                    "found_at": _iso(row["found_at"], ctx.tz), "kind_label": KIND_LABELS[row["kind"]],
                    "reason_label": REASON_LABELS.get(reason, reason) if reason else None})
    return out
