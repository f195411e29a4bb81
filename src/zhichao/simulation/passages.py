"""One vehicle crossing one lane of one site, rendered as a contract-shaped WIM record (API.md §1).

A record carries what a real roadside controller sends: always the required fields and the plate
colour; axle layout, type, drive axle and spacings only from devices that classify (about 70 % of
sites); dimensions only from sites with a laser profiler; images always; flags rarely.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from zhichao.simulation import plates
from zhichao.simulation.evidence import image_ref
from zhichao.simulation.plates import PlatePool
from zhichao.simulation.vehicles import RIGID, VehicleClass, axle_weights, dimensions_mm, gross_kg, spacings_mm

REAR_PLATE_SHARE = 0.12  # trains photographed from behind: the camera reads the trailer's 挂 plate
QUIRK_SHARE = 0.015  # raw vendor formats (colour prefix, lower case, full width) among read plates
SLOW_SHARE = 0.03  # congestion, junctions, trucks pulling away from the roadside


@dataclass(frozen=True, slots=True)
class Site:
    """A station as the record builder sees it, with the capabilities of its roadside device."""

    station_id: str
    lanes: int
    direction: str
    layout: bool  # sends axle_groups / vehicle_type / drive_axle / axle_spacings_mm
    dimensions: bool  # sends length / width / height
    image_kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Vehicle:
    pool: PlatePool
    number: int
    vclass: VehicleClass


@dataclass(frozen=True, slots=True)
class Stamp:
    """When the vehicle crossed: the RFC 3339 text and the compact form used inside record ids."""

    captured_at: str
    compact: str


def _plate_fields(rng: random.Random, vehicle: Vehicle, unread_share: float) -> dict[str, object]:
    if rng.random() < unread_share:
        return {"plate": plates.unread_literal(rng), "plate_color": "unknown"}
    vclass = vehicle.vclass
    rear = vclass.vehicle_type != RIGID and rng.random() < REAR_PLATE_SHARE
    plate, colour = plates.plate_of(vehicle.pool, vehicle.number, vclass, rear)
    if rng.random() < QUIRK_SHARE:
        plate = plates.vendor_quirk(rng, plate, colour)
    return {"plate": plate, "plate_color": colour, "plate_confidence": plates.confidence(rng)}


def _speed(rng: random.Random, vclass: VehicleClass, overloaded: bool) -> float:
    if rng.random() < SLOW_SHARE:
        return round(rng.uniform(3.0, 30.0), 1)
    # overloaded trucks climb and brake slower, so they pass a few km/h below their class
    speed = rng.gauss(vclass.speed_kmh - (6.0 if overloaded else 0.0), 9.0)
    return round(min(max(speed, 25.0), 110.0), 1)


def _direction(site: Site, lane: int) -> str:
    if site.direction != "双向":
        return site.direction
    # two-way sites number the up-direction lanes first
    return "上行" if lane <= (site.lanes + 1) // 2 else "下行"


def _flags(rng: random.Random) -> list[str] | None:
    roll = rng.random()
    if roll < 0.006:
        return ["lane_straddle"]
    if roll < 0.009:
        return ["abnormal_acceleration"]
    return None


def build(rng: random.Random, site: Site, stamp: Stamp, seq: str, vehicle: Vehicle,
          overload_rate: float | None, unread_share: float) -> dict[str, object]:
    """The record for one passage; `overload_rate` (fraction over the limit) is None for legal ones."""
    vclass = vehicle.vclass
    gross = gross_kg(rng, vclass, overload_rate)
    lane = rng.randrange(site.lanes) + 1
    record: dict[str, object] = {
        "record_id": f"{site.station_id}-{stamp.compact}-{seq}",
        "station_id": site.station_id,
        "lane": lane,
        "captured_at": stamp.captured_at,
    }
    record.update(_plate_fields(rng, vehicle, unread_share))
    record["speed_kmh"] = _speed(rng, vclass, overload_rate is not None)
    record["axle_count"] = vclass.axle_count
    record["axle_weights_kg"] = axle_weights(rng, vclass, gross)
    record["gross_weight_kg"] = gross
    if site.layout:
        record["axle_groups"] = vclass.axle_groups
        record["vehicle_type"] = vclass.vehicle_type
        record["drive_axle"] = vclass.drive_axle
        record["axle_spacings_mm"] = spacings_mm(rng, vclass)
    if site.dimensions:
        record["length_mm"], record["width_mm"], record["height_mm"] = dimensions_mm(rng, vclass)
    record["direction"] = _direction(site, lane)
    _add_evidence(record, site, gross)
    flags = _flags(rng)
    if flags:
        record["flags"] = flags
    return record


def _add_evidence(record: dict[str, object], site: Site, gross: int) -> None:
    args = (site.station_id, str(record["record_id"]), str(record["captured_at"]), str(record["plate"]), gross)
    record["images"] = [image_ref(kind, *args) for kind in site.image_kinds]
