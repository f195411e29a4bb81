"""Evasion cases to add to a simulated stream, so that the evasion detectors (docs/evasion.md) have
something to find: a cloned plate (two trucks, one plate), a covered plate, a detour round a site, a truck
straddling two lanes and one crawling over the sensors.

Pure and deterministic: each case draws from a random stream named after its station and tag, so the same
call gives the same records. Record ids carry an ``E`` sequence (``{station}-{yyyymmddHHMMSS}-E{tag}``),
never made by ``Traffic``. Plates come from 浙D numbers past the pool's size and past the repeat offenders'
(``PLATE_BASE`` + n), which belong to no simulated vehicle: an injected plate is the case's alone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from zhichao.simulation import passages
from zhichao.simulation.evidence import card_body, image_refs
from zhichao.simulation.passages import Site, Vehicle
from zhichao.simulation.plates import POOLS, plate_of
from zhichao.simulation.rhythm import local_seconds, stamp
from zhichao.simulation.traffic import SimStation
from zhichao.simulation.vehicles import BY_GROUPS_DRIVE, VehicleClass

PLATE_BASE = 5000  # past any repeat offender's number (one per offender, a few dozen)
TRAIN = BY_GROUPS_DRIVE[("1+2+3", "tandem")]  # 6 axles, 49 t
RIGID_2, RIGID_3 = BY_GROUPS_DRIVE[("1+1", "single")], BY_GROUPS_DRIVE[("1+2", "tandem")]
CRAWL_SPEED_KMH = 3.0


def vehicle(number: int, vclass: VehicleClass = TRAIN) -> Vehicle:
    """The injected vehicle ``number`` (a 浙D plate no simulated vehicle has)."""
    pool = POOLS[0]
    return Vehicle(pool, pool.size + PLATE_BASE + number, vclass)


def plate(number: int, vclass: VehicleClass = TRAIN) -> str:
    """The plate of injected vehicle ``number``."""
    v = vehicle(number, vclass)
    return plate_of(v.pool, v.number, vclass)[0]


def _site(station: SimStation) -> Site:
    return Site(station.station_id, station.lanes, station.direction, True, False, ("plate", "front", "rear"))


def _read(record: dict[str, object], text: str, colour: str) -> dict[str, object]:
    """The record with its plate as read (``""``, colour unknown: unread), its images renamed to match."""
    record["plate"], record["plate_color"] = text, colour
    if text:
        record["plate_confidence"] = 0.97
    else:
        record.pop("plate_confidence", None)
    record.pop("flags", None)
    images, gross = record.get("images"), record["gross_weight_kg"]
    if isinstance(images, list) and isinstance(gross, int):
        body = card_body(str(record["station_id"]), str(record["record_id"]), str(record["captured_at"]), text, gross)
        record["images"] = image_refs([str(i["kind"]) for i in images], body, colour)
    return record


def passage(station: SimStation, at: datetime, tag: str, v: Vehicle, *, overload_rate: float | None = None,
            shown: str | None = None) -> dict[str, object]:
    """One passage of ``v`` at ``station`` at ``at`` with its plate read (``shown``: another text, "" unread),
    no controller flags."""
    rng = random.Random(f"evasion:{station.station_id}:{tag}")
    record = passages.build(rng, _site(station), stamp(local_seconds(at)), f"E{tag}", v, overload_rate, 0.0)
    text, colour = plate_of(v.pool, v.number, v.vclass)
    return _read(record, text if shown is None else shown, colour if shown != "" else "unknown")


def cloned_plate(a: SimStation, b: SimStation, at: datetime, number: int = 1,
                 gap: timedelta = timedelta(minutes=10)) -> list[dict[str, object]]:
    """One plate at ``a`` and, ``gap`` later, at ``b`` (choose them farther apart than a truck drives in
    ``gap``): two trucks with one plate."""
    v = vehicle(number)
    return [passage(a, at, f"C{number}a", v), passage(b, at + gap, f"C{number}b", v)]


def cloned_axles(a: SimStation, b: SimStation, at: datetime, number: int = 2,
                 gap: timedelta = timedelta(hours=3)) -> list[dict[str, object]]:
    """One plate on a 2-axle rigid truck at ``a`` and on a 3-axle one at ``b`` hours later."""
    two, three = vehicle(number, RIGID_2), vehicle(number, RIGID_3)
    text, colour = plate_of(two.pool, two.number, RIGID_2)
    return [passage(a, at, f"X{number}a", two), _read(passage(b, at + gap, f"X{number}b", three), text, colour)]


def covered_plate(first: SimStation, site: SimStation, at: datetime, number: int = 3,
                  gap: timedelta = timedelta(minutes=8)) -> list[dict[str, object]]:
    """An overloaded train weighed with its plate at ``first``, then ``gap`` later at ``site`` (the next
    site on its road) with no plate read: the same axles, each off by the scale's repeatability."""
    v = vehicle(number)
    plated = passage(first, at, f"V{number}a", v, overload_rate=0.3)
    rng = random.Random(f"evasion:{site.station_id}:V{number}b")
    again = passages.again(rng, _site(site), stamp(local_seconds(at + gap)), f"EV{number}b", v, plated, 0.0)
    return [plated, _read(again, "", "unknown")]


def detour(around: Sequence[SimStation], start: datetime, days: int = 4, number: int = 4
           ) -> list[dict[str, object]]:
    """One plate seen once a day for ``days`` days at the stations ``around`` a site, in turn, and never
    at the site itself."""
    v = vehicle(number)
    return [passage(around[d % len(around)], start + timedelta(days=d), f"D{number}d{d}", v) for d in range(days)]


def straddle(station: SimStation, at: datetime, number: int = 5) -> list[dict[str, object]]:
    """A train the controller saw straddling two lanes."""
    record = passage(station, at, f"S{number}", vehicle(number), overload_rate=0.25)
    record["flags"] = ["lane_straddle"]
    return [record]


def crawl(station: SimStation, at: datetime, number: int = 6) -> list[dict[str, object]]:
    """A train crawling over the sensors at ``CRAWL_SPEED_KMH``."""
    record = passage(station, at, f"K{number}", vehicle(number), overload_rate=0.25)
    record["speed_kmh"] = CRAWL_SPEED_KMH
    return [record]
