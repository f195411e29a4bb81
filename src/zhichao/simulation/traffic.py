"""Simulated truck traffic over a network of WIM sites: contract-shaped records, deterministic per seed.

Pure: no I/O, no clock; time and randomness are arguments. Each station-hour draws from its own random
stream derived from the seed, so ``between(a, b)`` yields the same records (same ``record_id``s)
however a period is split into calls, and a resend of a period is a resend of the same records.

Model (the numbers are the simulator's; plausible, not measured in Shaoxing):

- Volume: each site's ``volume_per_day`` spread over the day by ``rhythm.HOURLY_VOLUME`` (night peak);
  counts per station-hour are Poisson.
- Vehicles: a regular truck is based at one site: its plate is drawn from the numbers of that site (and it
  is weighed again at the next site on its road as through traffic), so a plate never shows up at two
  distant sites minutes apart unless a clone is injected (``evasion.py``).
- Overloads: ``overload_share`` of all passages (by the true layout's limit), more at night. Only 12 %
  of each plate pool ever overloads, never light trucks. The rate over the limit is exponential (mean
  13 %; ~24 % of overloads exceed 20 %), with a 3 % tail of 40–140 % that yields a few 百吨王 (≥ 100 t).
- Repeat offenders: a fixed pool of heavy trucks (mostly 浙D 6-axle trains and 8x4 dump trucks), each
  driving a route of 2–5 sites in one county (one site each half-day, in turn) about 6 times a day, overloaded
  on 85 % of trips by a
  lot (mean 50 %). Their overloads count towards ``overload_share`` (at most 40 % of them).
- Outages: a station falls silent for 2–8 h on some days, so that about ``outage_share`` of
  station-hours are silent.
- Devices: ~70 % of sites classify axle layouts, ~40 % measure dimensions; ``unread_share`` of plates
  are unread (``""`` or a vendor literal); 1.5 % of read plates come in a raw vendor format.
- Through traffic: ``through_share`` of regular passages are weighed again 5–40 min later at a station
  the truck drives on to: an adjacent station on the same road (by stake), else another of the county.
  Never sooner than the straight line between the two sites at 80 km/h, and not when the truck passes its
  own site again within half an hour of it. Same plate as first read, same
  class, each axle weight off by the scale's repeatability (sd 1 %), gross
  their sum. A second passage is kept only within the first's local clock hour (so a split period gives
  the same records; about 60 % are kept) and when its station is not in an outage; it is numbered
  ``P{n}`` at its station and draws from a stream per origin station-hour.
  With the default 0 the records are exactly those of a simulator without through traffic.
- Device faults (``faults.py``): stations silent, lanes dead, scales drifting, cameras getting dirty,
  clocks running ahead. They act on every record ``between`` and ``burst`` make, at its true time, and
  on ``heartbeats`` (one per station per interval, none while the station is silent or in an outage).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
import re
import zlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from zhichao.domain.evasion import km_between
from zhichao.simulation import passages
from zhichao.simulation.faults import Fault, Faults
from zhichao.simulation.passages import Site, Vehicle
from zhichao.simulation.plates import POOL_SHARES, POOLS
from zhichao.simulation.rhythm import HOURLY_VOLUME, OVERLOAD_BY_HOUR, local_seconds, poisson, stamp
from zhichao.simulation.vehicles import BY_GROUPS_DRIVE, class_of

_POOL_CUMULATIVE = tuple(itertools.accumulate(POOL_SHARES))
# Repeat offenders: mostly local (浙D, POOLS index 0) 6-axle trains and 8x4 dump trucks (前四后八)
_OFFENDER_POOLS, _OFFENDER_POOL_WEIGHTS = (0, 1, 3, 2, 5), (70, 15, 8, 4, 3)
_OFFENDER_CLASSES = (("1+2+3", "tandem"), ("2+2", "tandem"), ("1+2", "tandem"), ("2+1+3", "single"))
_OFFENDER_CLASS_WEIGHTS = (55, 25, 10, 10)
OFFENDER_OVERLOAD_P = 0.85
OFFENDER_TRIPS_PER_DAY = 6.0
OFFENDER_MAX_SHARE = 0.4  # of all overloads, so the requested overload share still holds
_OUTAGE_MEAN_H = 5.0
THROUGH_DELAY_S = (300.0, 2400.0)  # from one site to the next one the truck crosses
THROUGH_BUSY_S = 1800.0  # no through passage within this of another passage of the truck at its own site
THROUGH_MAX_KMH = 80.0  # never sooner than the straight line at this speed allows (no false cloned plates)
_CST_S = 8 * 3600
_CST = timezone(timedelta(seconds=_CST_S))
# (true local second, station index, vehicle, record) of a regular passage that may be weighed again
_First = tuple[float, int, Vehicle, dict[str, object]]


@dataclass(frozen=True, slots=True)
class SimStation:
    """A site as the simulator needs it; only `enabled` sites report. `direction` is ``双向`` or a
    heading; `county_code` keeps repeat offenders' routes within one county; `road` and `stake_m` (its
    position along the road) say where through traffic goes next."""

    station_id: str
    lanes: int
    state: str = "enabled"
    volume_per_day: int = 2500
    direction: str = "双向"
    county_code: str = ""
    road: str = ""
    stake_m: int | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class _Offender:
    vehicle: Vehicle
    route: tuple[int, ...]  # station indexes

    def site_on(self, half_day: int) -> int:
        """The route's site the truck crosses in local half-day ``half_day``: one each half-day, in turn, so that
        it is not seen at two sites minutes apart (which would look like a cloned plate)."""
        return self.route[half_day % len(self.route)]


def _overload_rate(rng: random.Random) -> float:
    if rng.random() < 0.03:
        return rng.uniform(0.4, 1.4)
    return max(0.002, rng.expovariate(1 / 0.13))


class Traffic:
    """Passages over `stations` (only enabled ones ever report).

    Record ids are ``{station_id}-{yyyymmddHHMMSS}-{n}`` in local time, `n` counting the station's
    passages within the hour (``L{n}`` for live bursts, ``P{n}`` for through traffic). Ids are made from
    the true time, also at a station whose clock runs ahead. Naive datetimes are taken as China Standard
    Time; aware ones may be in any zone.
    """

    def __init__(self, stations: Sequence[SimStation], rng: random.Random, overload_share: float = 0.04,
                 unread_share: float = 0.02, outage_share: float = 0.03, repeat_offenders: int = 25, *,
                 faults: Sequence[Fault] = (), through_share: float = 0.0,
                 only: Collection[str] | None = None, fleet: tuple[int, int] | None = None) -> None:
        for name, share in (("overload_share", overload_share), ("unread_share", unread_share),
                            ("outage_share", outage_share), ("through_share", through_share)):
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {share}")
        self._stations = [s for s in stations if s.state == "enabled"]
        # (the index of this network's first site, the sites of all networks): trucks of two simulators
        # running side by side (the demo's roads and its highway entrances) are based at different sites
        self._first_site, self._all_sites = fleet or (0, len(self._stations))
        self._faults = Faults(faults)
        self._through = through_share
        self._next_sites = [self._next_sites_of(i) for i in range(len(self._stations))]
        self._unread = unread_share
        self._outage_p_day = min(1.0, outage_share * 24 / _OUTAGE_MEAN_H)
        self._seed = rng.getrandbits(64)
        self._sites = [self._site(rng, s) for s in self._stations]
        self._volume_cum = tuple(itertools.accumulate(s.volume_per_day for s in self._stations)) or (0,)
        count = repeat_offenders if self._volume_cum[-1] > 0 else 0
        self._offenders = [self._offender(rng, j) for j in range(count)]
        self._trips_per_day, self._overload_p = self._overload_plan(overload_share)
        self._live = random.Random(rng.getrandbits(64))
        self._live_seq: dict[int, int] = {}
        self._outages: dict[tuple[int, int], tuple[float, float] | None] = {}
        # `only`: the stations whose passages `between` yields; the network (sites, offenders, streams)
        # stays the whole one, so a station's records are the ones the whole network would give it
        # (a few through and offender passages aside), at the cost of that station alone
        self._only = None if only is None else {i for i, st in enumerate(self._stations) if st.station_id in only}

    def _overload_plan(self, share: float) -> tuple[float, float]:
        """Offender trips per day each, and the overload probability left for regular passages."""
        daily, n = float(self._volume_cum[-1]), len(self._offenders)
        if not daily:
            return 0.0, 0.0
        trips = min(OFFENDER_TRIPS_PER_DAY, OFFENDER_MAX_SHARE * share * daily / (n * OFFENDER_OVERLOAD_P)) \
            if n else 0.0
        offender_trips = n * trips
        wanted = share * (daily + offender_trips) - offender_trips * OFFENDER_OVERLOAD_P
        return trips, max(0.0, wanted / daily)

    @property
    def stations(self) -> list[SimStation]:
        """The stations that report (enabled ones), in the order given."""
        return list(self._stations)

    def _next_sites_of(self, index: int) -> tuple[int, ...]:
        """Where a truck passing station `index` is weighed next: the adjacent stations on its road (by
        stake, or by place in the list when a stake is unknown), else the other stations of its county."""
        me = self._stations[index]
        road = [i for i, s in enumerate(self._stations) if me.road and s.road == me.road]
        if len(road) > 1:
            if all(self._stations[i].stake_m is not None for i in road):
                road.sort(key=lambda i: (self._stations[i].stake_m, i))
            at = road.index(index)
            return tuple(road[k] for k in (at - 1, at + 1) if 0 <= k < len(road))
        return tuple(i for i, s in enumerate(self._stations) if s.county_code == me.county_code and i != index)

    @staticmethod
    def _site(rng: random.Random, station: SimStation) -> Site:
        kinds = ("plate", "front", "side", "rear") if rng.random() < 0.6 else ("plate", "front", "rear")
        return Site(station.station_id, station.lanes, station.direction, rng.random() < 0.7,
                    rng.random() < 0.4, kinds)

    def _offender(self, rng: random.Random, j: int) -> _Offender:
        pool = POOLS[rng.choices(_OFFENDER_POOLS, _OFFENDER_POOL_WEIGHTS)[0]]
        vclass = BY_GROUPS_DRIVE[rng.choices(_OFFENDER_CLASSES, _OFFENDER_CLASS_WEIGHTS)[0]]
        home = bisect.bisect(self._volume_cum, rng.random() * self._volume_cum[-1])
        county = self._stations[home].county_code
        near = [i for i, s in enumerate(self._stations) if s.county_code == county and i != home]
        others = rng.sample(near, min(len(near), rng.randint(1, 4)))
        # numbers past the pool's size belong to no regular vehicle: the plate is the offender's alone
        return _Offender(Vehicle(pool, pool.size + j, vclass), (home, *others))

    def between(self, start: datetime, end: datetime) -> Iterator[dict[str, object]]:
        """Every passage in [start, end), in time order across stations."""
        lo, hi = local_seconds(start), local_seconds(end)
        faults = self._faults or None
        for hour in range(math.floor(lo / 3600), math.ceil(hi / 3600)):
            whole = lo <= hour * 3600 and (hour + 1) * 3600 <= hi
            for t, record in self._hour(hour):
                if whole or lo <= t < hi:
                    if faults is None:
                        yield record
                    elif (kept := faults.apply(record, t)) is not None:
                        yield kept

    def burst(self, at: datetime, n: int) -> list[dict[str, object]]:
        """`n` passages in the half minute up to `at` (for live demo ticks), in time order; fewer when
        faults lose some (a silent station, a dead lane).

        Bursts draw from a stream of their own and their record ids carry an ``L`` sequence, so they
        never collide with ``between``'s records.
        """
        rng, now = self._live, local_seconds(at)
        records: list[dict[str, object]] = []
        if not self._volume_cum[-1]:
            return records
        for t in sorted(now - rng.random() * 30 for _ in range(n)):
            hour = int(t // 3600)
            index, vehicle, rate = self._live_pick(rng, hour, t)
            seq = self._live_seq[index] = self._live_seq.get(index, 0) + 1
            record = passages.build(rng, self._sites[index], stamp(t), f"L{seq}", vehicle, rate, self._unread)
            if self._faults and self._faults.apply(record, t) is None:
                continue
            records.append(record)
        return records

    def heartbeats(self, start: datetime, end: datetime, interval: timedelta = timedelta(seconds=60)
                   ) -> Iterator[tuple[str, datetime, dict[str, object]]]:
        """(station id, true time, body) of every heartbeat in [start, end), in time order.

        Every enabled station beats at each multiple of `interval` since the Unix epoch (so a split
        period gives the same beats), except while it is silent (an outage or a ``Silent`` fault). The
        body is the contract's ``{"at": ..., "status": {...}}`` (API.md §2); ``at`` is the station's own
        clock, ahead of the true time under ``ClockAhead``; dead lanes are missing from ``lanes_ok``.
        """
        step = interval.total_seconds()
        if step <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        lo, hi = local_seconds(start) - _CST_S, local_seconds(end) - _CST_S  # Unix seconds
        faults = self._faults
        k = math.ceil(lo / step)
        while k * step < hi:
            t = k * step + _CST_S
            when = datetime.fromtimestamp(k * step, _CST)
            for i, station in enumerate(self._stations):
                sid = station.station_id
                if self._silent(i, t) or faults.silent(sid, t):
                    continue
                dead = faults.dead_lanes(sid, t)
                status: dict[str, object] = {"lanes": station.lanes, "camera": "ok",
                                             "lanes_ok": [n for n in range(1, station.lanes + 1) if n not in dead]}
                yield sid, when, {"at": stamp(t + faults.clock_offset_s(sid, t))[0], "status": status}
            k += 1

    def _live_pick(self, rng: random.Random, hour: int, t: float) -> tuple[int, Vehicle, float | None]:
        if self._offenders and rng.random() < self._offender_share():
            offender = rng.choice(self._offenders)
            index = offender.site_on(hour // 12)
            if not self._silent(index, t):
                return index, offender.vehicle, _offender_rate(rng)
        for _ in range(10):  # a silent station sends nothing: pick another
            index = bisect.bisect(self._volume_cum, rng.random() * self._volume_cum[-1])
            if not self._silent(index, t):
                break
        vehicle, rate = self._regular(rng, hour, index)
        return index, vehicle, rate

    def _offender_share(self) -> float:
        return len(self._offenders) * self._trips_per_day / self._volume_cum[-1]

    def _local(self, u: float, size: int, home: int) -> int:
        """Vehicle number ``u`` of ``size`` among those based at station ``home``: a regular truck works
        round one site (and drives on to the next as through traffic), so one plate is never seen at two
        distant sites minutes apart unless the simulator injects it (simulation/evasion.py)."""
        n = self._all_sites
        per_site = size // n
        return int(u * per_site) * n + self._first_site + home if per_site else int(u * size)

    def _regular(self, rng: random.Random, hour: int, home: int) -> tuple[Vehicle, float | None]:
        """A vehicle based at station ``home`` from the plate pools, and how far over its limit it is (None:
        legal)."""
        rand = rng.random
        pool = POOLS[bisect.bisect(_POOL_CUMULATIVE, rand() * _POOL_CUMULATIVE[-1])]
        if rand() >= self._overload_p * OVERLOAD_BY_HOUR[hour % 24]:
            number = self._local(rand(), pool.size, home)
            return Vehicle(pool, number, class_of(number)), None
        tries = 0
        while True:  # overloads come from the pool's overload-prone vehicles, never light trucks
            # (a small pool has few prone trucks per site, perhaps only light ones: then any of the pool's)
            tries += 1
            number = self._local(rand(), pool.prone, home) if tries <= 4 else int(rand() * pool.prone)
            vclass = class_of(number)
            if not vclass.light:
                return Vehicle(pool, number, vclass), _overload_rate(rng)

    def _hour(self, hour: int) -> Iterator[tuple[float, dict[str, object]]]:
        """All passages of one local clock hour across the network, in time order."""
        events: list[tuple[float, int, int]] = []  # (local seconds, station index, offender or -1)
        streams = []
        only = self._only
        for i, station in enumerate(self._stations):
            rng = random.Random(f"{self._seed}:{station.station_id}:{hour}")
            streams.append(rng)
            if only is not None and i not in only:
                continue
            lam = station.volume_per_day / 24 * HOURLY_VOLUME[hour % 24]
            base, rand = hour * 3600, rng.random
            events.extend((base + rand() * 3600, i, -1) for _ in range(poisson(rng, lam)))
        orng = random.Random(f"{self._seed}:offenders:{hour}")
        for j, offender in enumerate(self._offenders):
            for _ in range(poisson(orng, self._trips_per_day / 24 * HOURLY_VOLUME[hour % 24])):
                events.append((hour * 3600 + orng.random() * 3600, offender.site_on(hour // 12), j))
        if only is not None:
            events = [e for e in events if e[1] in only]
        events.sort()
        if not self._through:
            return self._render(hour, events, streams, orng, None)
        firsts: list[_First] = []
        records = list(self._render(hour, events, streams, orng, firsts))
        return heapq.merge(records, self._weighed_again(hour, firsts), key=lambda pair: pair[0])

    def _render(self, hour: int, events: list[tuple[float, int, int]], streams: list[random.Random],
                orng: random.Random, firsts: list[_First] | None) -> Iterator[tuple[float, dict[str, object]]]:
        seqs = [0] * len(self._stations)
        silent = [self._silent_window(i, hour) for i in range(len(self._stations))]
        for t, i, j in events:
            window = silent[i]
            if window is not None and window[0] <= t < window[1]:
                continue
            seqs[i] += 1
            when = stamp(t)
            if j < 0:
                rng = streams[i]
                vehicle, rate = self._regular(rng, hour, i)
            else:
                rng = orng
                vehicle, rate = self._offenders[j].vehicle, _offender_rate(rng)
            record = passages.build(rng, self._sites[i], when, str(seqs[i]), vehicle, rate, self._unread)
            if firsts is not None and j < 0:
                firsts.append((t, i, vehicle, record))
            yield t, record

    def _weighed_again(self, hour: int, firsts: list[_First]) -> list[tuple[float, dict[str, object]]]:
        """Through traffic of `hour`: the regular passages `firsts` that are weighed again at another
        station within the hour, in time order. Each origin station-hour draws from its own stream."""
        streams: dict[int, random.Random] = {}
        plans: list[tuple[float, int, int, Vehicle, dict[str, object]]] = []
        seen: dict[Vehicle, list[float]] = {}  # when each vehicle passes its own site this hour
        for t, _, vehicle, _ in firsts:
            seen.setdefault(vehicle, []).append(t)
        for t, i, vehicle, first in firsts:
            rng = streams.get(i)
            if rng is None:
                rng = streams[i] = random.Random(f"{self._seed}:through:{self._stations[i].station_id}:{hour}")
            targets = self._next_sites[i]
            if rng.random() >= self._through or not targets:
                continue
            k = targets[int(rng.random() * len(targets))]
            later = t + max(rng.uniform(*THROUGH_DELAY_S), self._least_delay_s(i, k))
            seed = rng.getrandbits(64)
            # a truck seen again at its own site close to that time was not on the road to the next one
            busy = any(u != t and abs(u - later) < THROUGH_BUSY_S for u in seen[vehicle])
            if (later < (hour + 1) * 3600 and not busy and not self._silent(k, later)
                    and (self._only is None or k in self._only)):
                plans.append((later, k, seed, vehicle, first))
        plans.sort(key=lambda plan: (plan[0], plan[1]))
        seqs: dict[int, int] = {}
        out = []
        for later, k, seed, vehicle, first in plans:
            seqs[k] = seqs.get(k, 0) + 1
            out.append((later, passages.again(random.Random(seed), self._sites[k], stamp(later), f"P{seqs[k]}",
                                              vehicle, first, self._unread)))
        return out

    def _least_delay_s(self, a: int, b: int) -> float:
        """The least time a truck takes from station `a` to `b`: the straight line at THROUGH_MAX_KMH."""
        one, two = self._stations[a], self._stations[b]
        if one.lat is None or one.lon is None or two.lat is None or two.lon is None:
            return 0.0
        return km_between(one.lat, one.lon, two.lat, two.lon) / THROUGH_MAX_KMH * 3600

    def _silent_window(self, index: int, hour: int) -> tuple[float, float] | None:
        """The part of `hour` in which station `index` is silent, if any (one window per hour)."""
        lo, hi = hour * 3600.0, hour * 3600.0 + 3600.0
        day = hour // 24
        for d in (day, day - 1):
            window = self._outage(index, d)
            if window is not None and window[0] < hi and lo < window[1]:
                return max(lo, window[0]), min(hi, window[1])
        return None

    def _silent(self, index: int, t: float) -> bool:
        """Whether station `index` is in an outage at local time `t` (outages may span midnight)."""
        day = int(t // 86400)
        for d in (day, day - 1):
            window = self._outage(index, d)
            if window is not None and window[0] <= t < window[1]:
                return True
        return False

    def _outage(self, index: int, day: int) -> tuple[float, float] | None:
        key = (index, day)
        if key not in self._outages:
            rng = random.Random(f"{self._seed}:outage:{self._stations[index].station_id}:{day}")
            window = None
            if rng.random() < self._outage_p_day:
                begin = day * 86400 + rng.random() * 86400
                window = (begin, begin + rng.uniform(2.0, 2 * _OUTAGE_MEAN_H - 2.0) * 3600)
            self._outages[key] = window
        return self._outages[key]


def _offender_rate(rng: random.Random) -> float | None:
    if rng.random() >= OFFENDER_OVERLOAD_P:
        return None
    return max(0.05, rng.expovariate(1 / 0.5))


def load_sim_stations(data: Mapping[str, Any]) -> list[SimStation]:
    """Enabled stations from ``data/shaoxing_stations.json``, with a daily truck volume per site.

    Volume: 600 trucks per lane per day, ×1.25 on national roads, ×0.6 on county roads, and a fixed
    ±20 % per site (from a CRC of its id, so the figure is stable without a random source).
    """
    out = []
    for raw in data["stations"]:
        if raw.get("state", "enabled") != "enabled":
            continue
        road = str(raw.get("road", ""))
        factor = {"G": 1.25, "X": 0.6}.get(road[:1], 1.0)
        spread = 0.8 + 0.4 * zlib.crc32(str(raw["station_id"]).encode()) / 2**32
        out.append(SimStation(str(raw["station_id"]), int(raw["lanes"]), "enabled",
                              round(int(raw["lanes"]) * 600 * factor * spread),
                              str(raw.get("direction", "双向")), str(raw.get("county_code", "")), road,
                              _stake_m(str(raw.get("stake", ""))), raw.get("lat"), raw.get("lon")))
    return out


def _stake_m(stake: str) -> int | None:
    """Metres along the road from a stake number like ``K1552+300``; None when there is none."""
    match = re.fullmatch(r"K(\d+)\+(\d+)", stake.strip())
    return int(match[1]) * 1000 + int(match[2]) if match else None
