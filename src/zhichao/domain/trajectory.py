"""A truck's way through the network: which way it is going along its road, and where it is weighed next.

Stations stand on roads at a stake (桩号, ``K1552+300``: kilometre 1552 plus 300 m). Two passages of the
same plate on one road, at different stakes and not too far apart in time, tell the direction of travel:
stakes rising (``up``) or falling (``down``). The stations ahead on that road, in that direction, are where
it can be weighed next, nearest first, each with the distance along the road and an estimated arrival.

The estimate uses the speed observed between the two passages (distance along the road ÷ time), capped
to ``MAX_SPEED_KMH``; when the two passages are at the same instant it falls back on the speed the scale
measured. Below ``MIN_SPEED_KMH`` the truck stopped on the way (a meal, a night, a detour), and no arrival
is estimated. Whatever cannot be told is None, never a guess: one passage, stations without a stake, the
end of the road.

The simulator (``simulation/traffic.py``) sends through-traffic on to the adjacent stations of its road by
the same stake order, so the demo's trucks are predicted by this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_SPEED_KMH = 90.0  # a loaded truck on a national road or an expressway (legal limits 60–100 km/h)
MIN_SPEED_KMH = 10.0  # slower on average between two stations: it stopped on the way, no estimate
HEADING_MAX_GAP = timedelta(hours=6)  # two passages further apart than this say nothing about the heading
AHEAD = 2  # how many stations ahead are named

# K, kilometres, optionally "+" and metres (up to 3 digits, optionally with a decimal part). After NFKC,
# upper case and dropping spaces: K1552+300, k12+800, Ｋ１２＋８００, K 12 + 80.5, K40. Ramp stakes
# (AK, BK …) are not on the main line and are not read.
_STAKE = re.compile(r"K(\d{1,4})(?:\+(\d{1,3})(?:\.\d+)?)?")


def stake_m(text: str | None) -> int | None:
    """Metres along the road from a stake number (``K1552+300`` → 1 552 300); None when it is not one."""
    if not text:
        return None
    match = _STAKE.fullmatch(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper())
    if match is None:
        return None
    return int(match[1]) * 1000 + int(match[2] or 0)


def road_key(road: str | None) -> str:
    """The road's name compared as a key: ``g104 `` and ``G104`` are one road; "" when there is none."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", road or "")).upper()


@dataclass(frozen=True, slots=True)
class Place:
    """A station where it stands: its road and stake. ``active`` False: it weighs nothing (stopped)."""

    station_id: str
    road: str | None
    stake: str | None
    active: bool = True

    @property
    def key(self) -> str:
        return road_key(self.road)

    @property
    def metres(self) -> int | None:
        return stake_m(self.stake)


@dataclass(frozen=True, slots=True)
class Passage:
    station_id: str
    at: datetime
    speed_kmh: float | None = None  # as the scale measured it


@dataclass(frozen=True, slots=True)
class Heading:
    """Which way along ``road``: ``up`` when the stakes rise, ``down`` when they fall; from two passages."""

    road: str
    direction: str  # up, down
    from_station: str
    to_station: str
    since: datetime  # the later passage
    speed_kmh: float | None  # the speed used for estimates (observed, capped); None: no estimate


@dataclass(frozen=True, slots=True)
class NextStation:
    station_id: str
    distance_m: int
    eta: datetime | None


def heading(passages: Iterable[Passage], places: Sequence[Place]) -> Heading | None:
    """The direction of travel from the latest passage and the latest earlier passage on the same road at
    another stake, at most ``HEADING_MAX_GAP`` before it; None when that cannot be told."""
    where = {p.station_id: p for p in places}
    ordered = sorted(passages, key=lambda p: p.at)
    if not ordered:
        return None
    last = ordered[-1]
    here = where.get(last.station_id)
    if here is None or not here.key or here.metres is None:
        return None
    for earlier in reversed(ordered[:-1]):
        if last.at - earlier.at > HEADING_MAX_GAP:
            return None
        there = where.get(earlier.station_id)
        if there is None or there.key != here.key or there.metres is None or there.metres == here.metres:
            continue
        return Heading(here.road or here.key, "up" if here.metres > there.metres else "down", there.station_id,
                       here.station_id, last.at, _speed(abs(here.metres - there.metres), last.at - earlier.at,
                                                        last.speed_kmh))
    return None


def _speed(metres: int, taken: timedelta, spot_kmh: float | None) -> float | None:
    """The speed for estimates: observed between the stations, else the scale's; capped; None when slow."""
    seconds = taken.total_seconds()
    kmh = metres / 1000 / (seconds / 3600) if seconds > 0 else spot_kmh
    if kmh is None or kmh < MIN_SPEED_KMH:
        return None
    return min(kmh, MAX_SPEED_KMH)


def next_stations(way: Heading | None, places: Sequence[Place], ahead: int = AHEAD) -> list[NextStation]:
    """The active stations ahead on the road, nearest first (at most ``ahead``); [] at the end of the road
    or when the heading is unknown. Stations at the same stake as the last one are behind, not ahead."""
    if way is None:
        return []
    where = {p.station_id: p for p in places}
    here = where.get(way.to_station)
    start = here.metres if here else None
    if here is None or start is None:
        return []
    sign = 1 if way.direction == "up" else -1
    found = sorted(((p.metres - start) * sign, p.station_id) for p in places
                   if p.active and p.key == here.key and p.metres is not None and (p.metres - start) * sign > 0)
    return [NextStation(sid, metres, _arrival(way, metres)) for metres, sid in found[:ahead]]


def _arrival(way: Heading, metres: int) -> datetime | None:
    if way.speed_kmh is None:
        return None
    return way.since + timedelta(hours=metres / 1000 / way.speed_kmh)
