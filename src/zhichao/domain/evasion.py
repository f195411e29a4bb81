"""Evasion of enforcement sites, recognised from passages (pure): cloned plates (套牌) for now; the other
detectors (covered plates, detours, straddling and crawling) live beside it.

A finding is a suspicion for a person to look at, never a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

EARTH_RADIUS_KM = 6371.0
# A truck's legal top speed on an expressway is 100 km/h; 130 leaves room for clocks and straight roads.
MAX_TRUCK_KMH = 130.0
RIGID_MAX_AXLES = 4  # a rigid truck cannot change its axle count; an articulated one changes trailers

TOO_FAST, AXLES, COLOUR = "too_fast", "axles", "colour"
CLONE_REASONS = {TOO_FAST: "两地间距过远，所需车速不可能", AXLES: "轴数不符（非挂车车型不会改变轴数）",
                 COLOUR: "号牌颜色不符"}


@dataclass(frozen=True, slots=True)
class Sighting:
    """One passage of a plate at a station."""

    plate: str
    station_id: str
    at: datetime
    axle_count: int
    plate_color: str
    lat: float | None = None
    lon: float | None = None


def km_between(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def road_km(a: Sighting, b: Sighting) -> float | None:
    """The least road distance between two sightings' stations, the straight line (no road is shorter);
    None without positions."""
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    return km_between(a.lat, a.lon, b.lat, b.lon)


def clone_reason(a: Sighting, b: Sighting, max_kmh: float = MAX_TRUCK_KMH) -> str | None:
    """Why two sightings of one plate cannot be one vehicle (TOO_FAST, AXLES, COLOUR), or None.

    The distance is the straight line, the most generous reading, so a real truck is never called a clone
    because its road was straighter than usual. Unread or unknown colours are not compared.
    """
    if a.plate != b.plate or not a.plate:
        return None
    if a.plate_color and b.plate_color and a.plate_color != b.plate_color and "unknown" not in (
            a.plate_color, b.plate_color):
        return COLOUR
    if a.axle_count != b.axle_count and max(a.axle_count, b.axle_count) <= RIGID_MAX_AXLES:
        return AXLES
    km = road_km(a, b)
    if km is None or a.station_id == b.station_id:
        return None
    hours = abs((b.at - a.at).total_seconds()) / 3600
    return TOO_FAST if km > max_kmh * hours else None


@dataclass(frozen=True, slots=True)
class ClonePair:
    """Two consecutive sightings of one plate that cannot be one vehicle, and why."""

    first: Sighting
    second: Sighting
    reason: str


def cloned_pairs(sightings: Sequence[Sighting], max_kmh: float = MAX_TRUCK_KMH) -> list[ClonePair]:
    """The consecutive pairs of one plate's sightings (sorted here by time) that ``clone_reason`` refuses.

    Consecutive pairs suffice: if each hop between neighbours in time is drivable, so is any longer one
    (straight lines obey the triangle inequality), and a change of axles or colour shows between neighbours.
    """
    ordered = sorted(sightings, key=lambda s: (s.at, s.station_id))
    out = []
    for a, b in zip(ordered, ordered[1:], strict=False):
        reason = clone_reason(a, b, max_kmh)
        if reason is not None:
            out.append(ClonePair(a, b, reason))
    return out
