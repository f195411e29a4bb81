"""One vehicle crossing one lane of one site, rendered as a contract-shaped WIM record (API.md §1).

A record carries what a real roadside controller sends: always the required fields and the plate
colour; axle layout, type, drive axle and spacings only from devices that classify (about 70 % of
sites); dimensions only from sites with a laser profiler; images for suspected overloads; flags rarely.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

from zhichao.simulation import plates
from zhichao.simulation.evidence import card_body, image_refs
from zhichao.simulation.plates import PlatePool
from zhichao.simulation.vehicles import (
    RIGID,
    VehicleClass,
    axle_weights,
    dimensions_mm,
    gross_kg,
    spacings_mm,
)

REAR_PLATE_SHARE = 0.12  # trains photographed from behind: the camera reads the trailer's 挂 plate
QUIRK_SHARE = 0.015  # raw vendor formats (colour prefix, lower case, full width) among read plates
SLOW_SHARE = 0.03  # congestion, junctions, trucks pulling away from the roadside
STRADDLE_SHARE, ACCELERATION_SHARE = 0.006, 0.003  # controller flags
SUSPECT_SHARE = 0.95  # of the limit: above it the controller files a full evidence set


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


# When the vehicle crossed: the RFC 3339 text and the compact form used inside record ids
# (a plain tuple: one is made per passage).
Stamp = tuple[str, str]


def _plate_read(rng: random.Random, vehicle: Vehicle, unread_share: float) -> tuple[str, str, float | None]:
    """Plate as sent, its colour and the recogniser's confidence (None when unread)."""
    rand = rng.random
    if rand() < unread_share:
        return plates.unread_literal(rng), "unknown", None
    vclass = vehicle.vclass
    rear = vclass.vehicle_type != RIGID and rand() < REAR_PLATE_SHARE
    plate, colour = plates.plate_of(vehicle.pool, vehicle.number, vclass, rear)
    if rand() < QUIRK_SHARE:
        plate = plates.vendor_quirk(rng, plate, colour)
    return plate, colour, plates.confidence(rng)


def _speed(rng: random.Random, vclass: VehicleClass, overloaded: bool) -> float:
    rand = rng.random
    if rand() < SLOW_SHARE:
        return int(30 + rand() * 270) / 10
    # overloaded trucks climb and brake slower, so they pass a few km/h below their class;
    # the sum of four uniforms is a cheap bell curve (sd ≈ 9 km/h after scaling)
    speed = vclass.speed_kmh - (6.0 if overloaded else 0.0) + (rand() + rand() + rand() + rand() - 2.0) * 15.6
    return int(speed * 10 + 0.5) / 10 if speed > 25.0 else 25.0


def _direction(site: Site, lane: int) -> str:
    if site.direction != "双向":
        return site.direction
    # two-way sites number the up-direction lanes first
    return "上行" if lane <= (site.lanes + 1) // 2 else "下行"


def _add_device_fields(rng: random.Random, record: dict[str, object], site: Site,
                       vclass: VehicleClass) -> None:
    """What only better devices send: the classified layout, and dimensions from a laser profiler."""
    if site.layout:
        record["axle_groups"] = vclass.axle_groups
        record["vehicle_type"] = vclass.vehicle_type
        record["drive_axle"] = vclass.drive_axle
        record["axle_spacings_mm"] = spacings_mm(rng, vclass)
    if site.dimensions:
        record["length_mm"], record["width_mm"], record["height_mm"] = dimensions_mm(rng, vclass)


def build(rng: random.Random, site: Site, stamp: Stamp, seq: str, vehicle: Vehicle,
          overload_rate: float | None, unread_share: float) -> dict[str, object]:
    """The record for one passage; `overload_rate` (fraction over the limit) is None for legal ones."""
    vclass = vehicle.vclass
    gross = gross_kg(rng, vclass, overload_rate)
    lane = int(rng.random() * site.lanes) + 1
    record_id = f"{site.station_id}-{stamp[1]}-{seq}"
    plate, colour, confidence = _plate_read(rng, vehicle, unread_share)
    record: dict[str, object] = {
        "record_id": record_id, "station_id": site.station_id, "lane": lane, "captured_at": stamp[0],
        "plate": plate, "plate_color": colour,
    }
    if confidence is not None:
        record["plate_confidence"] = confidence
    record["speed_kmh"] = _speed(rng, vclass, overload_rate is not None)
    record["axle_count"] = vclass.axle_count
    record["axle_weights_kg"] = axle_weights(rng, vclass, gross)
    record["gross_weight_kg"] = gross
    _add_device_fields(rng, record, site, vclass)
    record["direction"] = _direction(site, lane)
    # The controller files an evidence set only for vehicles its own pre-check finds near or over
    # the limit, as most roadside systems do; other passages carry data only.
    if gross > SUSPECT_SHARE * vclass.limit_kg:
        body = card_body(site.station_id, record_id, stamp[0], plate, gross)
        record["images"] = image_refs(site.image_kinds, body, colour)
    roll = rng.random()
    if roll < STRADDLE_SHARE + ACCELERATION_SHARE:
        record["flags"] = ["lane_straddle" if roll < STRADDLE_SHARE else "abnormal_acceleration"]
    return record
