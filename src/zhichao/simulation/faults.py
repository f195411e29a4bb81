"""Device faults for simulated stations, so that the platform's device-health checks have something to find.

A fault belongs to one station and starts at a true (wall-clock) time:

- ``Silent``: no records and no heartbeats in [start, end) (power, uplink or controller down).
- ``DeadLane``: one lane's loop detector died: its passages are lost; heartbeats no longer list it.
- ``Drift``: the scale's calibration drifts: axle weights and gross are multiplied by
  1 + min(max_pct, pct_per_day × days since start) / 100 (days as a float).
- ``ReadRateDecay``: the camera gets dirty: a share min(max_share, per_day × days since start) of the
  plates it would have read come out unread.
- ``ClockAhead``: the controller's clock runs `offset` ahead: ``captured_at`` (and a heartbeat's ``at``)
  carry the offset; record ids are made from the true time and do not change.

``Faults.apply`` is pure and deterministic per record: which plates a dirty camera misses follows from
the record id, never from a shared random stream, so a period split into calls yields the same records.
Evidence hashes name the record's station, id, time, plate and gross; a fault that changes one of them
renames the images so that ``evidence.evidence_files(record)`` still rebuilds the bytes the record names.
Drift does not add or drop images for records it moves across the controller's pre-check line.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from zhichao.simulation import plates
from zhichao.simulation.evidence import card_body, image_refs
from zhichao.simulation.rhythm import local_seconds, stamp

if TYPE_CHECKING:
    from zhichao.simulation.traffic import SimStation

_DAY_S = 86400.0
DRIFT_DAYS = timedelta(days=17)  # how long the demo's scale has been drifting


@dataclass(frozen=True, slots=True)
class Silent:
    station_id: str
    start: datetime
    end: datetime | None = None  # None: open-ended


@dataclass(frozen=True, slots=True)
class DeadLane:
    station_id: str
    lane: int
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Drift:
    """A scale reading high by ``pct_per_day`` more each day (``3 / 14``: +3 % over two weeks), up to
    ``max_pct``; a negative rate drifts low (then ``max_pct`` bounds nothing)."""

    station_id: str
    start: datetime
    pct_per_day: float
    max_pct: float = 10.0


@dataclass(frozen=True, slots=True)
class ReadRateDecay:
    station_id: str
    start: datetime
    per_day: float  # share of reads lost per day since start
    max_share: float = 0.6


@dataclass(frozen=True, slots=True)
class ClockAhead:
    station_id: str
    start: datetime
    offset: timedelta


Fault = Silent | DeadLane | Drift | ReadRateDecay | ClockAhead


def _window(fault: Silent | DeadLane) -> tuple[float, float]:
    end = float("inf") if fault.end is None else local_seconds(fault.end)
    return local_seconds(fault.start), end


class Faults:
    """The faults of a network, applied to records and heartbeats at their true local second `t`
    (seconds since 1970-01-01 00:00 China Standard Time, as ``rhythm.local_seconds`` counts)."""

    def __init__(self, faults: Sequence[Fault] = ()) -> None:
        self._by_station: dict[str, list[tuple[Fault, float, float]]] = {}
        for fault in faults:
            lo, hi = _window(fault) if isinstance(fault, Silent | DeadLane) else (local_seconds(fault.start),
                                                                                  float("inf"))
            self._by_station.setdefault(fault.station_id, []).append((fault, lo, hi))

    def __bool__(self) -> bool:
        return bool(self._by_station)

    def _active(self, station_id: str, t: float) -> list[tuple[Fault, float]]:
        """The station's faults in force at `t`, with the days since each one started."""
        return [(f, (t - lo) / _DAY_S) for f, lo, hi in self._by_station.get(station_id, ()) if lo <= t < hi]

    def silent(self, station_id: str, t: float) -> bool:
        return any(isinstance(f, Silent) for f, _ in self._active(station_id, t))

    def dead_lanes(self, station_id: str, t: float) -> set[int]:
        return {f.lane for f, _ in self._active(station_id, t) if isinstance(f, DeadLane)}

    def clock_offset_s(self, station_id: str, t: float) -> float:
        return sum(f.offset.total_seconds() for f, _ in self._active(station_id, t) if isinstance(f, ClockAhead))

    def apply(self, record: dict[str, object], t: float | datetime) -> dict[str, object] | None:
        """`record` as the faulty station sends it (changed in place), or None when it is lost."""
        if isinstance(t, datetime):
            t = local_seconds(t)
        active = self._active(str(record["station_id"]), t)
        if not active:
            return record
        renamed = False
        for fault, days in active:
            if isinstance(fault, Silent) or (isinstance(fault, DeadLane) and record["lane"] == fault.lane):
                return None
            if isinstance(fault, Drift):
                _drift(record, 1 + min(fault.max_pct, fault.pct_per_day * days) / 100)
                renamed = True
            elif isinstance(fault, ReadRateDecay):
                renamed |= _lose_read(record, min(fault.max_share, fault.per_day * days))
        offset = self.clock_offset_s(str(record["station_id"]), t)
        if offset:
            record["captured_at"] = stamp(t + offset)[0]
            renamed = True
        if renamed and "images" in record:
            _rename_images(record)
        return record


def _drift(record: dict[str, object], factor: float) -> None:
    # 10 kg steps, as the record builder makes them; the gross is scaled alike, so the axle sum stays
    # within the builder's ±1 % of it
    weights, gross = record["axle_weights_kg"], record["gross_weight_kg"]
    assert isinstance(weights, list) and isinstance(gross, int)
    record["axle_weights_kg"] = [int(w * factor / 10 + 0.5) * 10 for w in weights]
    record["gross_weight_kg"] = int(gross * factor / 10 + 0.5) * 10


def _lose_read(record: dict[str, object], share: float) -> bool:
    """Unread the plate with probability `share`, drawn from the record id (stable across calls)."""
    if record.get("plate_color", "unknown") == "unknown":
        return False
    rng = random.Random(zlib.crc32(str(record["record_id"]).encode()))
    if rng.random() >= share:
        return False
    record["plate"], record["plate_color"] = plates.unread_literal(rng), "unknown"
    record.pop("plate_confidence", None)
    return True


def _rename_images(record: dict[str, object]) -> None:
    images, gross = record["images"], record["gross_weight_kg"]
    assert isinstance(images, list) and isinstance(gross, int)
    body = card_body(str(record["station_id"]), str(record["record_id"]), str(record["captured_at"]),
                     str(record["plate"]), gross)
    record["images"] = image_refs([i["kind"] for i in images], body, str(record.get("plate_color", "unknown")))


def neighbours(stations: Sequence[SimStation], station_id: str, count: int = 3) -> list[str]:
    """Up to `count` enabled stations nearest to `station_id`: on the same road by stake (by place in
    `stations` when stakes are unknown), else, when it has no road-mates, in the same county."""
    enabled = [s for s in stations if s.state == "enabled"]
    place = {s.station_id: i for i, s in enumerate(enabled)}
    me = enabled[place[station_id]]
    mates = [s for s in enabled if s.road and s.road == me.road and s.station_id != station_id]
    if not mates:
        mates = [s for s in enabled if s.county_code == me.county_code and s.station_id != station_id]

    def distance(s: SimStation) -> float:
        if s.stake_m is not None and me.stake_m is not None:
            return abs(s.stake_m - me.stake_m)
        return abs(place[s.station_id] - place[station_id])

    return [s.station_id for s in sorted(mates, key=distance)[:count]]


def drift_neighbours(stations: Sequence[SimStation], fault: Fault, count: int = 3) -> list[str]:
    """The faulty station and up to `count` neighbours (``neighbours``): the stations whose history a
    demo backfills so that the drifting scale can be compared with the scales its trucks also cross."""
    return [fault.station_id, *neighbours(stations, fault.station_id, count)]


def demo_faults(stations: Sequence[SimStation], now: datetime) -> tuple[Fault, ...]:
    """The demo's five faults, on five different enabled stations picked by sorted station id.

    1. Drift, +3 % over two weeks since `now` − 17 days (≈ +3.6 % now: past half of a class-5 scale's
       ±5 % with a margin, so that the three-day window that lags it shows the warning): the first station
       of the quietest road (fewest trucks a site) with at least 3 other enabled stations (else the first).
    Then, skipping the drift station's ``neighbours`` (so the comparison stays clean) and preferring a
    county not used yet (so several counties show a fault), the first fitting station gets:
    2. Silent since `now` − 3 h, open-ended;
    3. DeadLane: its lane 1 since `now` − 2 days (a station with at least 2 lanes);
    4. ReadRateDecay: 4 % of reads lost per day since `now` − 5 days (≈ 20 % now);
    5. ClockAhead: 6 minutes ahead since `now` − 1 day.
    On the Shaoxing network: drift SX-ZJ-006 (S310; neighbours SX-ZJ-007..009), silent SX-KQ-001,
    dead lane 1 of SX-SY-001, read-rate decay SX-SZ-001, clock ahead SX-XC-001.
    Fewer faults come back when there are fewer fitting stations.
    """
    enabled = sorted((s for s in stations if s.state == "enabled"), key=lambda s: s.station_id)
    if not enabled:
        return ()
    roads: dict[str, list[SimStation]] = {}
    for s in enabled:
        if s.road:
            roads.setdefault(s.road, []).append(s)
    # the quietest road with four stations: the demo backfills weeks of its history, so fewer trucks start faster
    busy = {road: sum(s.volume_per_day for s in members) / len(members) for road, members in roads.items()
            if len(members) >= 4}
    road = min(busy, key=lambda r: (busy[r], r)) if busy else None
    drifting = roads[road][0] if road else enabled[0]
    faults: list[Fault] = [Drift(drifting.station_id, now - DRIFT_DAYS, 3 / 14)]
    used = {drifting.station_id, *neighbours(enabled, drifting.station_id)}
    counties = {drifting.county_code}
    makers = (
        (1, lambda sid: Silent(sid, now - timedelta(hours=3))),
        (2, lambda sid: DeadLane(sid, 1, now - timedelta(days=2))),
        (1, lambda sid: ReadRateDecay(sid, now - timedelta(days=5), 0.04)),
        (1, lambda sid: ClockAhead(sid, now - timedelta(days=1), timedelta(minutes=6))),
    )
    for min_lanes, make in makers:
        fits = [s for s in enabled if s.station_id not in used and s.lanes >= min_lanes]
        fresh = [s for s in fits if s.county_code not in counties]
        if not fits:
            break
        pick = (fresh or fits)[0]
        faults.append(make(pick.station_id))
        used.add(pick.station_id)
        counties.add(pick.county_code)
    return tuple(faults)
