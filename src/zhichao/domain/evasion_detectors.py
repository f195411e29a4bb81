"""The evasion detectors beside cloned plates (pure; ``evasion.py`` has those): covered or tampered plates,
detours around an enforcement site, and straddling or crawling over the sensors. Thresholds and their
reasons are in docs/evasion.md. A finding is a suspicion for a person to look at, never a verdict.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from zhichao.domain.evasion import MAX_TRUCK_KMH, km_between

CLONED, COVERED, DETOUR, STRADDLE, CRAWL = "cloned_plate", "covered_plate", "detour", "straddle", "crawl"
KINDS = (CLONED, COVERED, DETOUR, STRADDLE, CRAWL)
SITE = "site"  # stations.kind of an enforcement site

# Covered plates. A truck is weighed again at the next station on its road minutes later; a covered plate
# is the same axles and weights there with no plate read.
COVER_ROAD_KM = 30.0  # same road: the next one or two stations (Shaoxing's sites are 3–15 km apart)
COVER_NEAR_KM = 10.0  # any road: a parallel road or a junction a truck can switch to
COVER_MIN_KMH = 15.0  # slower on average between two stations means it stopped: no longer "the next passage"
COVER_SLACK_S = 15 * 60  # a red light, a queue at a junction
# Two readings of one truck on two scales: each axle within 5 % (two in-service class-5 scales, each
# ±2.5 % per axle under OIML R134's dynamic tests); the gross, an average of several axles, within 4 %.
AXLE_TOLERANCE, AXLE_FLOOR_KG = 0.05, 200  # the floor: 5 % of a light steering axle is inside the noise
GROSS_TOLERANCE = 0.04

# Detours: seen on the roads around a site on this many distinct days and never at the site.
DETOUR_RADIUS_KM = 10.0  # the roads a truck can take round a site without a long extra drive
DETOUR_MIN_DAYS = 3  # once or twice is chance; three days is a habit
DETOUR_DAYS = 14  # the period the sweep looks back over

# Crawling: below 5 km/h no WIM reading is valid (the lowest verified minimum speed of the network's scales
# is 3–5 km/h), and trucks that creep or stop-and-go over the sensors shift load between axles.
CRAWL_KMH = 5.0
STRADDLE_FLAG, ACCELERATION_FLAG = "lane_straddle", "abnormal_acceleration"
TOO_SLOW, BELOW_VERIFIED = "too_slow", "below_verified"


@dataclass(frozen=True, slots=True)
class Place:
    """A station as the detectors see it: its kind, where it is, the lowest speed its scale is verified at."""

    station_id: str
    kind: str = SITE
    road: str = ""
    stake_m: int | None = None
    lat: float | None = None
    lon: float | None = None
    speed_min_kmh: float | None = None


def stake_m(stake: str | None) -> int | None:
    """Metres along the road from a stake like ``K1552+300``; None when there is none."""
    match = re.fullmatch(r"K(\d+)\+(\d+)", (stake or "").strip())
    return int(match[1]) * 1000 + int(match[2]) if match else None


def place_km(a: Place, b: Place) -> float | None:
    """Road km between two stations: the stake difference on one road, else the straight line (no road is
    shorter); None when neither is known."""
    if a.road and a.road == b.road and a.stake_m is not None and b.stake_m is not None:
        return abs(a.stake_m - b.stake_m) / 1000
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    return km_between(a.lat, a.lon, b.lat, b.lon)


@dataclass(frozen=True, slots=True)
class Passage:
    """One weighed passage, as the covered-plate detector compares them; ``plate`` "" when unread."""

    station_id: str
    record_id: str
    at: datetime
    plate: str
    axle_count: int
    axle_weights_kg: tuple[int, ...]
    gross_weight_kg: int
    direction: str = ""


@dataclass(frozen=True, slots=True)
class CoverMatch:
    passage: Passage
    km: float
    worst_axle_pct: float  # the largest axle difference, % of the larger reading


def _close(a: int, b: int, tolerance: float, floor_kg: int = 0) -> bool:
    return abs(a - b) <= max(floor_kg, tolerance * max(a, b))


def _reachable(km: float, seconds: float) -> bool:
    """Driven in ``seconds`` without speeding, and without a stop long enough to make it another trip."""
    return km <= MAX_TRUCK_KMH * seconds / 3600 and seconds <= km / COVER_MIN_KMH * 3600 + COVER_SLACK_S


def covered_plate_matches(unread: Passage, candidates: Iterable[Passage], places: Mapping[str, Place],
                          ) -> list[CoverMatch]:
    """The plated passages at nearby stations that can be the unread passage's truck, best first.

    Nearby: another station on the same road within ``COVER_ROAD_KM``, or any within ``COVER_NEAR_KM``;
    the time between them drivable (``_reachable``); the same axle count, every axle and the gross within
    tolerance. Stations without a known distance are never compared.
    """
    here = places.get(unread.station_id)
    if unread.plate or here is None:
        return []
    out = []
    for c in candidates:
        there = places.get(c.station_id)
        if not c.plate or there is None or c.station_id == unread.station_id or c.axle_count != unread.axle_count:
            continue
        km = place_km(here, there)
        same_road = bool(here.road) and here.road == there.road
        if km is None or km > (COVER_ROAD_KM if same_road else COVER_NEAR_KM):
            continue
        if not _reachable(km, abs((c.at - unread.at).total_seconds())):
            continue
        if len(c.axle_weights_kg) != len(unread.axle_weights_kg):
            continue
        pairs = list(zip(unread.axle_weights_kg, c.axle_weights_kg, strict=True))
        if not all(_close(a, b, AXLE_TOLERANCE, AXLE_FLOOR_KG) for a, b in pairs):
            continue
        if not _close(unread.gross_weight_kg, c.gross_weight_kg, GROSS_TOLERANCE):
            continue
        worst = max(abs(a - b) * 100 / max(a, b, 1) for a, b in pairs)
        out.append(CoverMatch(c, km, round(worst, 2)))
    return sorted(out, key=lambda m: (m.worst_axle_pct, m.passage.at, m.passage.station_id))


def covered_plate(unread: Passage, candidates: Iterable[Passage], places: Mapping[str, Place]
                  ) -> CoverMatch | None:
    """The best match when all matches name one plate; None when none match or several plates do (a common
    empty truck matches many, and naming one of them would accuse a stranger)."""
    matches = covered_plate_matches(unread, candidates, places)
    return matches[0] if matches and len({m.passage.plate for m in matches}) == 1 else None


@dataclass(frozen=True, slots=True)
class DaySeen:
    """A plate seen at a station on a local day, first and last time."""

    plate: str
    station_id: str
    day: date
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True, slots=True)
class Detour:
    """A plate seen round a site on ``days`` distinct days and never at it (a watch-list entry)."""

    plate: str
    site_id: str
    days: int
    by_station: tuple[tuple[str, int], ...]  # (station, distinct days), most days first
    first_at: datetime
    last_at: datetime


def neighbours(places: Sequence[Place], radius_km: float = DETOUR_RADIUS_KM) -> dict[str, tuple[str, ...]]:
    """Per station, the enforcement sites within ``radius_km`` of it (itself excluded)."""
    out: dict[str, list[str]] = defaultdict(list)
    for site in (p for p in places if p.kind == SITE):
        for p in places:
            km = place_km(site, p)
            if p.station_id != site.station_id and km is not None and km <= radius_km:
                out[p.station_id].append(site.station_id)
    return {k: tuple(v) for k, v in out.items()}


def detours(seen: Iterable[DaySeen], places: Sequence[Place], *, min_days: int = DETOUR_MIN_DAYS,
            radius_km: float = DETOUR_RADIUS_KM) -> list[Detour]:
    """Plates seen at stations within ``radius_km`` of an enforcement site on at least ``min_days``
    distinct days, and never at that site, in the period ``seen`` covers; by plate, then site."""
    around = neighbours(places, radius_km)
    by_plate: dict[str, list[DaySeen]] = defaultdict(list)
    for s in seen:
        by_plate[s.plate].append(s)
    out = []
    for plate, rows in sorted(by_plate.items()):
        at_stations = {r.station_id for r in rows}
        for site in sorted({site for r in rows for site in around.get(r.station_id, ())} - at_stations):
            near = [r for r in rows if site in around.get(r.station_id, ())]
            days = {r.day for r in near}
            if len(days) < min_days:
                continue
            per: dict[str, set[date]] = defaultdict(set)
            for r in near:
                per[r.station_id].add(r.day)
            by_station = tuple(sorted(((k, len(v)) for k, v in per.items()), key=lambda kv: (-kv[1], kv[0])))
            out.append(Detour(plate, site, len(days), by_station, min(r.first_at for r in near),
                              max(r.last_at for r in near)))
    return out


def sensor_evasion(flags: Iterable[str], speed_kmh: float, speed_min_kmh: float | None = None
                   ) -> list[tuple[str, str]]:
    """(kind, reason) of a passage that straddled lanes or crawled over the sensors, from the controller's
    flags and the speed: STRADDLE for ``lane_straddle``; CRAWL for ``abnormal_acceleration`` (stop-and-go),
    a speed below ``CRAWL_KMH``, or below the station's verified minimum."""
    flags = set(flags)
    out = []
    if STRADDLE_FLAG in flags:
        out.append((STRADDLE, STRADDLE_FLAG))
    if ACCELERATION_FLAG in flags:
        out.append((CRAWL, ACCELERATION_FLAG))
    elif speed_kmh < CRAWL_KMH:
        out.append((CRAWL, TOO_SLOW))
    elif speed_min_kmh is not None and speed_kmh < speed_min_kmh:
        out.append((CRAWL, BELOW_VERIFIED))
    return out
