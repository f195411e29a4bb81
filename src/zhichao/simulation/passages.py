"""One vehicle crossing one lane of one site, rendered as a contract-shaped WIM record (API.md §1).

A record carries what a real roadside controller sends: always the required fields and the plate
colour; axle layout, type, drive axle and spacings only from devices that classify (about 70 % of
sites); dimensions only from sites with a laser profiler; images for suspected overloads; flags rarely.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
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
# WIM repeatability per axle when the same vehicle crosses another scale (sd, and a hard bound)
REPEATABILITY_SD, REPEATABILITY_MAX = 0.01, 0.03


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
    record = _head(site, stamp, seq, lane, _plate_read(rng, vehicle, unread_share))
    record["speed_kmh"] = _speed(rng, vclass, overload_rate is not None)
    record["axle_count"] = vclass.axle_count
    record["axle_weights_kg"] = axle_weights(rng, vclass, gross)
    record["gross_weight_kg"] = gross
    _finish(rng, record, site, vclass, lane, gross)
    return record


def again(rng: random.Random, site: Site, stamp: Stamp, seq: str, vehicle: Vehicle,
          first: Mapping[str, object], unread_share: float) -> dict[str, object]:
    """The record of the vehicle of passage `first` weighed again at `site` (through traffic).

    The plate is the one the first site read (this site's camera reads it anew when the first could
    not); every axle weight is the first one off by this scale's repeatability (sd 1 %, at most ±3 %),
    and the gross is their sum.
    """
    vclass = vehicle.vclass
    weights = first["axle_weights_kg"]
    assert isinstance(weights, list)
    gauss = rng.gauss
    axles = [int(w * (1 + max(-REPEATABILITY_MAX, min(REPEATABILITY_MAX, gauss(0.0, REPEATABILITY_SD)))) / 10
                 + 0.5) * 10 for w in weights]
    gross = sum(axles)
    lane = int(rng.random() * site.lanes) + 1
    read: tuple[str, str, float | None]
    if first.get("plate_color", "unknown") != "unknown":
        read = str(first["plate"]), str(first["plate_color"]), plates.confidence(rng)
    else:
        read = _plate_read(rng, vehicle, unread_share)
    record = _head(site, stamp, seq, lane, read)
    record["speed_kmh"] = _speed(rng, vclass, gross > vclass.limit_kg)
    record["axle_count"] = vclass.axle_count
    record["axle_weights_kg"] = axles
    record["gross_weight_kg"] = gross
    _finish(rng, record, site, vclass, lane, gross)
    return record


def _head(site: Site, stamp: Stamp, seq: str, lane: int, read: tuple[str, str, float | None]) -> dict[str, object]:
    plate, colour, confidence = read
    record: dict[str, object] = {
        "record_id": f"{site.station_id}-{stamp[1]}-{seq}", "station_id": site.station_id, "lane": lane,
        "captured_at": stamp[0], "plate": plate, "plate_color": colour,
    }
    if confidence is not None:
        record["plate_confidence"] = confidence
    return record


def _finish(rng: random.Random, record: dict[str, object], site: Site, vclass: VehicleClass, lane: int,
            gross: int) -> None:
    """Device fields, direction, evidence and controller flags (the last draws of a passage)."""
    _add_device_fields(rng, record, site, vclass)
    record["direction"] = _direction(site, lane)
    # The controller files an evidence set only for vehicles its own pre-check finds near or over
    # the limit, as most roadside systems do; other passages carry data only.
    if gross > SUSPECT_SHARE * vclass.limit_kg:
        plate, colour = str(record["plate"]), str(record["plate_color"])
        body = card_body(site.station_id, str(record["record_id"]), str(record["captured_at"]), plate, gross)
        record["images"] = image_refs(site.image_kinds, body, colour)
    roll = rng.random()
    if roll < STRADDLE_SHARE + ACCELERATION_SHARE:
        record["flags"] = ["lane_straddle" if roll < STRADDLE_SHARE else "abnormal_acceleration"]
