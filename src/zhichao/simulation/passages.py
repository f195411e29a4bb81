"""One vehicle crossing one lane of one site, rendered as a contract-shaped WIM record (API.md §1).

A record carries what a real roadside controller sends: always the required fields and the plate
colour; axle layout, type, drive axle and spacings only from devices that classify (about 70 % of
sites); dimensions only from sites with a laser profiler; a plate image always and a full image set
for suspected overloads; flags rarely.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

from zhichao.simulation import plates
from zhichao.simulation.evidence import card_body, image_refs
from zhichao.simulation.plates import PlatePool
from zhichao.simulation.vehicles import RIGID, VehicleClass, axle_weights, dimensions_mm, gross_kg, spacings_mm

REAR_PLATE_SHARE = 0.12  # trains photographed from behind: the camera reads the trailer's 挂 plate
QUIRK_SHARE = 0.015  # raw vendor formats (colour prefix, lower case, full width) among read plates
SLOW_SHARE = 0.03  # congestion, junctions, trucks pulling away from the roadside
STRADDLE_SHARE, ACCELERATION_SHARE = 0.006, 0.003  # controller flags
SUSPECT_SHARE = 0.9  # of the limit: above it the controller files a full evidence set
_PLATE_ONLY = ("plate",)


@dataclass(frozen=True, slots=True)
class Site:
    """A station as the record builder sees it, with the capabilities of its roadside device."""

    station_id: str
    lanes: int
    direction: str
    layout: bool  # sends axle_groups / vehicle_type / drive_axle / axle_spacings_mm
    dimensions: bool  # sends length / width / height
    image_kinds: tuple[str, ...]  # the full evidence set this site's cameras take


class Vehicle(NamedTuple):
    """A vehicle of a plate pool; its number fixes its plate (a NamedTuple: one is made per passage)."""

    pool: PlatePool
    number: int
    vclass: VehicleClass


class Stamp(NamedTuple):
    """When the vehicle crossed: the RFC 3339 text and the compact form used inside record ids."""

    captured_at: str
    compact: str


def _plate_fields(rng: random.Random, vehicle: Vehicle, unread_share: float) -> dict[str, object]:
    rand = rng.random
    if rand() < unread_share:
        return {"plate": plates.unread_literal(rng), "plate_color": "unknown"}
    vclass = vehicle.vclass
    rear = vclass.vehicle_type != RIGID and rand() < REAR_PLATE_SHARE
    plate, colour = plates.plate_of(vehicle.pool, vehicle.number, vclass, rear)
    if rand() < QUIRK_SHARE:
        plate = plates.vendor_quirk(rng, plate, colour)
    return {"plate": plate, "plate_color": colour, "plate_confidence": plates.confidence(rng)}


def _speed(rng: random.Random, vclass: VehicleClass, overloaded: bool) -> float:
    rand = rng.random
    if rand() < SLOW_SHARE:
        return round(3.0 + rand() * 27.0, 1)
    # overloaded trucks climb and brake slower, so they pass a few km/h below their class;
    # the sum of four uniforms is a cheap bell curve (sd ≈ 9 km/h after scaling)
    speed = vclass.speed_kmh - (6.0 if overloaded else 0.0) + (rand() + rand() + rand() + rand() - 2.0) * 15.6
    return round(min(max(speed, 25.0), 110.0), 1)


def _direction(site: Site, lane: int) -> str:
    if site.direction != "双向":
        return site.direction
    # two-way sites number the up-direction lanes first
    return "上行" if lane <= (site.lanes + 1) // 2 else "下行"


def build(rng: random.Random, site: Site, stamp: Stamp, seq: str, vehicle: Vehicle,
          overload_rate: float | None, unread_share: float) -> dict[str, object]:
    """The record for one passage; `overload_rate` (fraction over the limit) is None for legal ones."""
    vclass = vehicle.vclass
    gross = gross_kg(rng, vclass, overload_rate)
    lane = int(rng.random() * site.lanes) + 1
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
    # Every passage gets its plate snapshot; the controller files a full evidence set only for
    # vehicles its own pre-check finds near or over the limit (as most roadside systems do).
    kinds = site.image_kinds if gross > SUSPECT_SHARE * vclass.limit_kg else _PLATE_ONLY
    body = card_body(site.station_id, str(record["record_id"]), stamp.captured_at, str(record["plate"]), gross)
    record["images"] = image_refs(kinds, body)
    roll = rng.random()
    if roll < STRADDLE_SHARE:
        record["flags"] = ["lane_straddle"]
    elif roll < STRADDLE_SHARE + ACCELERATION_SHARE:
        record["flags"] = ["abnormal_acceleration"]
    return record
